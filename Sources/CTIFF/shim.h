// libtiff, libdeflate and zstd: the engine's direct tile decoder for plain tiled GeoTIFFs (the same libraries
// GDAL's own GTiff driver decodes with).
#include <stdarg.h>
#include <tiffio.h>
#include <libdeflate.h>
#include <zstd.h>

// A per-file handler that swallows libtiff's messages (GeoTIFF tags it does not know, mostly). It returns 1 so
// the process-wide handlers, which GDAL installs for its own use of libtiff, never see them. A failure shows up
// as a failed call, and the tile is then read through GDAL, which reports it properly.
static inline int soilmap_tiff_silence(TIFF *tiff, void *user_data, const char *module, const char *format, va_list arguments) {
    (void)tiff; (void)user_data; (void)module; (void)format; (void)arguments;
    return 1;
}

static inline TIFF *soilmap_tiff_open_quietly(const char *path) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, soilmap_tiff_silence, NULL);
    TIFFOpenOptionsSetWarningHandlerExtR(options, soilmap_tiff_silence, NULL);
    // "m": no memory mapping. Mapped inputs count in the resident set (760 MB instead of 135 MB for NDVI of a
    // Sentinel-2 tile) and gain nothing: each compressed tile is read once, into one reused buffer.
    TIFF *tiff = TIFFOpenExt(path, "rm", options);
    TIFFOpenOptionsFree(options);
    return tiff;
}

// TIFFGetField is variadic, which Swift cannot call: one typed accessor per tag type used.
static inline int soilmap_tiff_uint16(TIFF *tiff, uint32_t tag, uint16_t *value) {
    return TIFFGetFieldDefaulted(tiff, tag, value);
}
static inline int soilmap_tiff_uint32(TIFF *tiff, uint32_t tag, uint32_t *value) {
    return TIFFGetFieldDefaulted(tiff, tag, value);
}
