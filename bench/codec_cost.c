/* What the codecs alone cost on the benchmark's data, one thread, tile by tile: decoding the inputs
 * (DEFLATE + horizontal predictor, as stored) and encoding the Float32 NDVI with the encoders GDAL uses
 * (libdeflate at DEFLATE levels 1 and 6, zstd at level 1). This is the floor under any tool that reads
 * these inputs and writes that output: no NDVI program on N cores can take less than (sum of CPU) / N.
 * Usage: codec_cost INPUT.tif [INPUT.tif ...] -- NDVI.tif   (NDVI.tif: tiled, uncompressed Float32) */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <time.h>
#include <zstd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int quiet(TIFF *t, void *u, const char *m, const char *f, va_list a) { (void)t; (void)u; (void)m; (void)f; (void)a; return 1; }

static TIFF *open_quietly(const char *path) {
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetWarningHandlerExtR(o, quiet, NULL);
    TIFFOpenOptionsSetErrorHandlerExtR(o, quiet, NULL);
    TIFF *t = TIFFOpenExt(path, "rm", o);
    TIFFOpenOptionsFree(o);
    if (!t) { fprintf(stderr, "codec_cost: %s: cannot open as TIFF\n", path); exit(1); }
    return t;
}

int main(int argc, char **argv) {
    int split = 1;
    while (split < argc && strcmp(argv[split], "--") != 0) split++;
    if (split >= argc - 1) { fprintf(stderr, "usage: codec_cost INPUT.tif ... -- NDVI.tif\n"); return 2; }
    struct libdeflate_decompressor *inflater = libdeflate_alloc_decompressor();
    double inflate_seconds = 0;
    unsigned long input_tiles = 0;
    for (int i = 1; i < split; i++) {
        TIFF *t = open_quietly(argv[i]);
        tmsize_t size = TIFFTileSize(t);
        unsigned char *raw = malloc(size * 2), *out = malloc(size);
        for (uint32_t tile = 0; tile < TIFFNumberOfTiles(t); tile++) {
            tmsize_t n = TIFFReadRawTile(t, tile, raw, size * 2);
            size_t produced = 0;
            double t0 = now();
            libdeflate_zlib_decompress(inflater, raw, n, out, size, &produced);
            /* undo the horizontal predictor (16-bit), a running sum per line */
            uint16_t *v = (uint16_t *)out;
            uint32_t width;
            TIFFGetField(t, TIFFTAG_TILEWIDTH, &width);
            for (size_t line = 0; line < produced / 2 / width; line++) {
                uint16_t sum = 0;
                for (uint32_t x = 0; x < width; x++) { sum += v[line * width + x]; v[line * width + x] = sum; }
            }
            inflate_seconds += now() - t0;
            input_tiles++;
        }
        free(raw); free(out);
        TIFFClose(t);
    }
    TIFF *t = open_quietly(argv[split + 1]);
    tmsize_t size = TIFFTileSize(t);
    unsigned char *tile = malloc(size), *packed = malloc(size * 2);
    double deflate1 = 0, deflate6 = 0, zstd1 = 0;
    size_t bytes1 = 0, bytes6 = 0, bytesz = 0;
    struct libdeflate_compressor *level1 = libdeflate_alloc_compressor(1), *level6 = libdeflate_alloc_compressor(6);
    ZSTD_CCtx *zstd = ZSTD_createCCtx();
    uint32_t tiles = TIFFNumberOfTiles(t);
    for (uint32_t i = 0; i < tiles; i++) {
        TIFFReadEncodedTile(t, i, tile, size);
        double t0 = now();
        bytes1 += libdeflate_zlib_compress(level1, tile, size, packed, size * 2);
        double t1 = now();
        bytes6 += libdeflate_zlib_compress(level6, tile, size, packed, size * 2);
        double t2 = now();
        bytesz += ZSTD_compressCCtx(zstd, packed, size * 2, tile, size, 1);
        double t3 = now();
        deflate1 += t1 - t0; deflate6 += t2 - t1; zstd1 += t3 - t2;
    }
    printf("| work (one thread) | CPU s | output MB |\n|---|---:|---:|\n");
    printf("| decode the inputs: %lu DEFLATE tiles + predictor | %.2f | |\n", input_tiles, inflate_seconds);
    printf("| encode the NDVI, DEFLATE level 1 (libdeflate), %u tiles | %.2f | %zu |\n", tiles, deflate1, bytes1 >> 20);
    printf("| encode the NDVI, DEFLATE level 6 (libdeflate; GDAL's default ZLEVEL) | %.2f | %zu |\n", deflate6, bytes6 >> 20);
    printf("| encode the NDVI, ZSTD level 1 | %.2f | %zu |\n", zstd1, bytesz >> 20);
    return 0;
}
