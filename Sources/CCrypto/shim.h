// OpenSSL's libcrypto, for SHA-256 of inputs and outputs (manifests, incremental runs, verify). Its assembly
// uses the CPU's SHA extensions where they exist, which no portable Swift implementation matches.
#include <openssl/evp.h>
