#ifndef SEGJPEG_H
#define SEGJPEG_H
#include <stddef.h>
#include <stdint.h>

/// What the JPEG header says, and the size of the (possibly DCT-downscaled) output.
typedef struct {
  uint32_t image_width;   /* as stored */
  uint32_t image_height;
  uint32_t output_width;  /* after scaling */
  uint32_t output_height;
  int components;         /* in the file: 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK */
  int color_space;        /* 1 gray, 2 rgb, 3 ycbcr, 4 cmyk, 5 ycck (libjpeg J_COLOR_SPACE) */
  int output_channels;    /* 1 for grayscale output, 3 for RGB */
  int progressive;
} segjpeg_info;

typedef struct segjpeg_reader segjpeg_reader;

enum {
  SEGJPEG_OK = 0,
  SEGJPEG_ERR_NOT_JPEG = 1,
  SEGJPEG_ERR_LIBJPEG = 2,
  SEGJPEG_ERR_TOO_LARGE = 3,
  SEGJPEG_ERR_NOMEM = 4,
  SEGJPEG_ERR_ARGUMENT = 5,
  SEGJPEG_ERR_CORRUPT = 6 /* libjpeg warned (truncated or corrupt data) */
};

/// Reads the header of the JPEG in `data` (which must outlive the reader). scale_denom is 1, 2, 4
/// or 8 (DCT-domain downscaling). Gray files decode to 1 channel unless force_rgb; colour, CMYK and
/// YCCK files decode to RGB. Refuses images with more than max_pixels pixels before decoding.
segjpeg_reader *segjpeg_open(const uint8_t *data, size_t size, int scale_denom, int force_rgb,
                             uint64_t max_pixels, segjpeg_info *info, int *code, char *err,
                             size_t errlen);

/// Decodes into `out` (output_width * output_height * output_channels bytes). A truncated or
/// corrupt stream (a libjpeg warning) is an error: SEGJPEG_ERR_CORRUPT.
int segjpeg_read(segjpeg_reader *r, uint8_t *out, char *err, size_t errlen);

void segjpeg_close(segjpeg_reader *r);

/// Encodes pixels to JPEG. in_channels: 1 gray, 3 RGB, 4 CMYK. jpeg_color_space: 0 = library default
/// for the input, 5 = YCCK (CMYK input only). If exif/exif_size are given, an APP1 marker with
/// that payload is written. On success *out is a malloc'd buffer (free with segjpeg_free).
int segjpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int in_channels,
                   int quality, int jpeg_color_space, const uint8_t *exif, uint32_t exif_size,
                   uint8_t **out, size_t *out_size, char *err, size_t errlen);

void segjpeg_free(void *p);

#endif
