#ifndef SEGPNG_H
#define SEGPNG_H
#include <stddef.h>
#include <stdint.h>

/// What the PNG header says, and how the rows returned by segpng_read are laid out.
typedef struct {
  uint32_t width;
  uint32_t height;
  int bit_depth;      /* as stored in the file: 1, 2, 4, 8 or 16 */
  int color_type;     /* 0 gray, 2 rgb, 3 palette, 4 gray+alpha, 6 rgba */
  int interlaced;     /* 1 for Adam7 */
  int channels;       /* samples per pixel in the output rows */
  int out_bit_depth;  /* 8 or 16 (16-bit samples are host-endian) */
  size_t rowbytes;    /* bytes per output row */
  int palette_size;   /* entries in palette (0 if none) */
  uint8_t palette[256 * 4]; /* RGBA, alpha from tRNS (255 where absent) */
} segpng_info;

typedef struct segpng_reader segpng_reader;

/// Error codes returned by the shim.
enum {
  SEGPNG_OK = 0,
  SEGPNG_ERR_NOT_PNG = 1,
  SEGPNG_ERR_LIBPNG = 2,
  SEGPNG_ERR_TOO_LARGE = 3,
  SEGPNG_ERR_NOMEM = 4,
  SEGPNG_ERR_ARGUMENT = 5
};

/// Reads the header of the PNG held in `data` (which must outlive the reader) and sets the transforms
/// segscope needs: palette indices and exact 16-bit samples are kept, sub-byte samples unpacked.
/// Refuses images with more than `max_pixels` pixels before allocating anything for them.
/// On failure returns NULL, sets *code and writes a message into err.
segpng_reader *segpng_open(const uint8_t *data, size_t size, uint64_t max_pixels,
                           segpng_info *info, int *code, char *err, size_t errlen);

/// Decodes the whole image into `out` (info.rowbytes * info.height bytes). Returns a SEGPNG_ code.
int segpng_read(segpng_reader *r, uint8_t *out, char *err, size_t errlen);

/// Frees the reader.
void segpng_close(segpng_reader *r);

/// Pixel layouts accepted by segpng_encode.
enum {
  SEGPNG_ENC_GRAY8 = 0,
  SEGPNG_ENC_GRAY16 = 1, /* host-endian uint16 samples */
  SEGPNG_ENC_PALETTE = 2, /* 8-bit indices + palette (RGBA) */
  SEGPNG_ENC_RGB = 3,
  SEGPNG_ENC_RGBA = 4,
  SEGPNG_ENC_GRAYALPHA = 5
};

/// Encodes an image to PNG in memory. On success *out is a malloc'd buffer the caller frees.
/// compression: 0-9 (zlib level). interlace: 0 none, 1 Adam7. bit_depth applies to GRAY8 and PALETTE
/// (1, 2, 4 or 8: samples are packed; values must fit).
int segpng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int layout, int bit_depth,
                  const uint8_t *palette_rgba, int palette_size, int compression, int interlace,
                  uint8_t **out, size_t *out_size, char *err, size_t errlen);

/// Frees a buffer returned by segpng_encode.
void segpng_free(void *p);

/* ---- fast label-mask path (libdeflate) ---- */

/// What segpng_fast_header found in a mask PNG the fast path can take.
typedef struct {
  uint32_t width;
  uint32_t height;
  int bit_depth;  /* 1, 2, 4, 8 or 16 */
  int color_type; /* 0 gray or 3 palette */
} segpng_fast_info;

/// Whether the fast path takes this file: a checked PNG signature and IHDR (length, CRC, fields) of a
/// non-interlaced gray (any depth) or palette (1-8 bit) image. Returns 1 and fills `info`, or 0: the
/// caller then uses libpng, which decides (and words any error).
int segpng_fast_header(const uint8_t *data, size_t size, segpng_fast_info *info);

/// Decodes the mask: one value per pixel, 8-bit (gray up to 8 bit, palette indices) into `out8`
/// (width*height bytes) or 16-bit host-endian into `out16` (width*height values). Every chunk's CRC
/// is checked, the chunk order must be plain (IHDR, PLTE before the IDATs, the IDATs in one run, IEND
/// last), the zlib stream must inflate to exactly the rows and end at the last IDAT byte, and every
/// filter byte must be 0-4. Returns 1 on success and 0 when anything is unusual: the caller falls back
/// to libpng, so the fast path never accepts a file libpng would refuse nor gives other pixels.
int segpng_fast_decode(const uint8_t *data, size_t size, uint8_t *out8, uint16_t *out16);

/// zlib's compress2 at `level` (0-9) into a malloc'd buffer (freed with segpng_free). For tests that
/// build PNGs with every filter type and IDAT split. Returns 0 on success.
int segpng_zlib_compress(const uint8_t *in, size_t size, int level, uint8_t **out, size_t *out_size);

/// Inflates a raw deflate stream (no zlib header: ZIP's method 8) into `out`. With `partial` set,
/// stops once `out_size` bytes are produced (for reading a header); otherwise the stream must end and
/// produce exactly `out_size` bytes. Returns the bytes produced, or -1 when the stream is damaged or,
/// without `partial`, has another length.
long segpng_inflate_raw(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size, int partial);

/// CRC-32 as PNG chunks use it (libdeflate's).
uint32_t segpng_crc32(uint32_t crc, const uint8_t *data, size_t size);

#endif
