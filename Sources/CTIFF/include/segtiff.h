#ifndef SEGTIFF_H
#define SEGTIFF_H
#include <stddef.h>
#include <stdint.h>

/// What a TIFF's first directory says.
typedef struct {
  uint32_t width;
  uint32_t height;
  int bits;          /* bits per sample */
  int spp;           /* samples per pixel */
  int sample_format; /* 1 unsigned int, 2 signed int, 3 float (as stored; 1 when absent) */
  int photometric;   /* 0 min-is-white, 1 min-is-black, 2 RGB, 3 palette, 5 separated, 6 YCbCr, ... */
  int planar;        /* 1 contiguous, 2 separate planes */
  int tiled;
  int compression;
  int pages;         /* directories in the file, counted up to 2 */
  int palette_size;  /* entries in palette (0 if none) */
  uint8_t palette[256 * 3]; /* RGB, the high byte of libtiff's 16-bit colormap */
} segtiff_info;

typedef struct segtiff segtiff;

enum {
  SEGTIFF_OK = 0,
  SEGTIFF_ERR_LIBTIFF = 1,
  SEGTIFF_ERR_UNSUPPORTED = 2,
  SEGTIFF_ERR_TOO_LARGE = 3,
  SEGTIFF_ERR_NOMEM = 4
};

/// Opens a TIFF held in memory (`data` must outlive the reader) and reads its first directory.
/// libtiff's own allocations are capped at `max_alloc` bytes each. On failure returns NULL and
/// writes a message into err.
segtiff *segtiff_open_memory(const uint8_t *data, size_t size, uint64_t max_alloc, segtiff_info *info, char *err, size_t errlen);

/// Opens a TIFF file by path, for its header only.
segtiff *segtiff_open_path(const char *path, segtiff_info *info, char *err, size_t errlen);

/// Decodes the first directory into `out`: width * height * spp samples, interleaved, each 1 byte
/// (8-bit) or a host-endian uint16 (16-bit). Only 8- and 16-bit unsigned samples; stripped or tiled;
/// contiguous or separate planes. `outsize` is the size of `out` in bytes. Returns a SEGTIFF_ code.
int segtiff_read(segtiff *t, uint8_t *out, size_t outsize, char *err, size_t errlen);

/// Decodes the first directory as 8-bit RGBA through libtiff's RGBA interface (YCbCr, JPEG-in-TIFF,
/// CMYK, 1-bit and other photometrics), top row first. `out` holds width * height uint32 (ABGR).
int segtiff_read_rgba(segtiff *t, uint32_t *out, char *err, size_t errlen);

void segtiff_close(segtiff *t);

#endif
