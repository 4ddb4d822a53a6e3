// Cairo, for the quicklook maps (text through fontconfig/FreeType, PNG output).
#include <cairo.h>
