// The only place that talks to libjpeg. libjpeg's default error_exit calls exit(); here it longjmps back
// into the entry point that called it, and warnings (a truncated file is only a warning) are counted so
// that the Swift side can refuse a half-grey image.
#include "segjpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

struct seg_err {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int warnings;
};

static void on_error_exit(j_common_ptr cinfo) {
  struct seg_err *e = (struct seg_err *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, e->message);
  longjmp(e->jump, 1);
}

static void on_emit(j_common_ptr cinfo, int level) {
  struct seg_err *e = (struct seg_err *)cinfo->err;
  if (level < 0) {
    /* Extraneous bytes before a marker corrupt nothing; everything else means lost image data. */
    if (cinfo->err->msg_code == JWRN_EXTRANEOUS_DATA) return;
    if (e->warnings == 0) (*cinfo->err->format_message)(cinfo, e->message);
    e->warnings++;
  }
}

static void on_output(j_common_ptr cinfo) { (void)cinfo; }

static void copy_message(char *dst, size_t len, const char *msg) {
  if (dst && len) snprintf(dst, len, "%s", msg);
}

struct segjpeg_reader {
  struct jpeg_decompress_struct cinfo;
  struct seg_err err;
  int cmyk;
  int inverted;
  int started;
};

static void init_err(struct seg_err *e) {
  jpeg_std_error(&e->pub);
  e->pub.error_exit = on_error_exit;
  e->pub.emit_message = on_emit;
  e->pub.output_message = on_output;
  e->message[0] = 0;
  e->warnings = 0;
}

segjpeg_reader *segjpeg_open(const uint8_t *data, size_t size, int scale_denom, int force_rgb,
                             uint64_t max_pixels, segjpeg_info *info, int *code, char *err,
                             size_t errlen) {
  if (data == NULL || info == NULL || code == NULL) {
    if (code) *code = SEGJPEG_ERR_ARGUMENT;
    return NULL;
  }
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
    *code = SEGJPEG_ERR_NOT_JPEG;
    copy_message(err, errlen, "not a JPEG file (bad signature)");
    return NULL;
  }
  if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8) {
    *code = SEGJPEG_ERR_ARGUMENT;
    copy_message(err, errlen, "scale must be 1, 2, 4 or 8");
    return NULL;
  }
  struct segjpeg_reader *volatile r = calloc(1, sizeof(struct segjpeg_reader));
  if (r == NULL) {
    *code = SEGJPEG_ERR_NOMEM;
    copy_message(err, errlen, "out of memory");
    return NULL;
  }
  init_err(&r->err);
  r->cinfo.err = &r->err.pub;
  if (setjmp(r->err.jump)) {
    *code = SEGJPEG_ERR_LIBJPEG;
    copy_message(err, errlen, r->err.message);
    jpeg_destroy_decompress(&r->cinfo);
    free(r);
    return NULL;
  }
  jpeg_create_decompress(&r->cinfo);
  jpeg_mem_src(&r->cinfo, data, (unsigned long)size);
  jpeg_read_header(&r->cinfo, TRUE);

  memset(info, 0, sizeof(*info));
  info->image_width = r->cinfo.image_width;
  info->image_height = r->cinfo.image_height;
  info->components = r->cinfo.num_components;
  info->color_space = (int)r->cinfo.jpeg_color_space;
  info->progressive = r->cinfo.progressive_mode ? 1 : 0;
  if ((uint64_t)r->cinfo.image_width * r->cinfo.image_height > max_pixels) {
    *code = SEGJPEG_ERR_TOO_LARGE;
    snprintf(err, errlen, "%ux%u = %llu pixels exceeds the limit of %llu pixels",
             (unsigned)r->cinfo.image_width, (unsigned)r->cinfo.image_height,
             (unsigned long long)r->cinfo.image_width * r->cinfo.image_height,
             (unsigned long long)max_pixels);
    jpeg_destroy_decompress(&r->cinfo);
    free(r);
    return NULL;
  }
  if (r->cinfo.jpeg_color_space == JCS_CMYK || r->cinfo.jpeg_color_space == JCS_YCCK) {
    r->cinfo.out_color_space = JCS_CMYK;
    r->cmyk = 1;
    r->inverted = r->cinfo.saw_Adobe_marker ? 1 : 0;
  } else if (r->cinfo.jpeg_color_space == JCS_GRAYSCALE && !force_rgb) {
    r->cinfo.out_color_space = JCS_GRAYSCALE;
  } else {
    r->cinfo.out_color_space = JCS_RGB;
  }
  r->cinfo.scale_num = 1;
  r->cinfo.scale_denom = (unsigned)scale_denom;
  r->cinfo.dct_method = JDCT_ISLOW;
  jpeg_calc_output_dimensions(&r->cinfo);
  info->output_width = r->cinfo.output_width;
  info->output_height = r->cinfo.output_height;
  info->output_channels = r->cinfo.out_color_space == JCS_GRAYSCALE ? 1 : 3;
  *code = SEGJPEG_OK;
  return r;
}

int segjpeg_read(segjpeg_reader *r, uint8_t *out, char *err, size_t errlen) {
  if (r == NULL || out == NULL) return SEGJPEG_ERR_ARGUMENT;
  uint8_t *volatile cmykrow = NULL;
  if (setjmp(r->err.jump)) {
    free(cmykrow);
    copy_message(err, errlen, r->err.message);
    return SEGJPEG_ERR_LIBJPEG;
  }
  jpeg_start_decompress(&r->cinfo);
  r->started = 1;
  const size_t w = r->cinfo.output_width;
  const int outc = r->cinfo.out_color_space == JCS_GRAYSCALE ? 1 : 3;
  if (r->cmyk) {
    cmykrow = malloc(w * 4);
    if (cmykrow == NULL) {
      copy_message(err, errlen, "out of memory");
      return SEGJPEG_ERR_NOMEM;
    }
  }
  while (r->cinfo.output_scanline < r->cinfo.output_height) {
    uint8_t *dst = out + (size_t)r->cinfo.output_scanline * w * outc;
    if (!r->cmyk) {
      JSAMPROW row = dst;
      jpeg_read_scanlines(&r->cinfo, &row, 1);
    } else {
      JSAMPROW row = cmykrow;
      jpeg_read_scanlines(&r->cinfo, &row, 1);
      for (size_t x = 0; x < w; x++) {
        unsigned c = cmykrow[x * 4], m = cmykrow[x * 4 + 1], y = cmykrow[x * 4 + 2],
                 k = cmykrow[x * 4 + 3];
        if (!r->inverted) {
          c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
        }
        /* Adobe files store inverted CMYK: a stored value v means ink 255 - v. */
        dst[x * 3 + 0] = (uint8_t)((c * k + 127) / 255);
        dst[x * 3 + 1] = (uint8_t)((m * k + 127) / 255);
        dst[x * 3 + 2] = (uint8_t)((y * k + 127) / 255);
      }
    }
  }
  jpeg_finish_decompress(&r->cinfo);
  free(cmykrow);
  cmykrow = NULL;
  if (r->err.warnings > 0) {
    copy_message(err, errlen, r->err.message);
    return SEGJPEG_ERR_CORRUPT;
  }
  return SEGJPEG_OK;
}

void segjpeg_close(segjpeg_reader *r) {
  if (r == NULL) return;
  jpeg_destroy_decompress(&r->cinfo);
  free(r);
}

int segjpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int in_channels,
                   int quality, int jpeg_color_space, const uint8_t *exif, uint32_t exif_size,
                   uint8_t **out, size_t *out_size, char *err, size_t errlen) {
  if (pixels == NULL || out == NULL || out_size == NULL || width == 0 || height == 0 ||
      (in_channels != 1 && in_channels != 3 && in_channels != 4)) {
    copy_message(err, errlen, "invalid arguments");
    return SEGJPEG_ERR_ARGUMENT;
  }
  struct jpeg_compress_struct cinfo;
  struct seg_err e;
  init_err(&e);
  cinfo.err = &e.pub;
  unsigned char *volatile mem = NULL;
  unsigned long memsize = 0;
  if (setjmp(e.jump)) {
    jpeg_destroy_compress(&cinfo);
    free(mem);
    copy_message(err, errlen, e.message);
    return SEGJPEG_ERR_LIBJPEG;
  }
  jpeg_create_compress(&cinfo);
  unsigned char *memp = NULL;
  jpeg_mem_dest(&cinfo, &memp, &memsize);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = in_channels;
  cinfo.in_color_space = in_channels == 1 ? JCS_GRAYSCALE : (in_channels == 3 ? JCS_RGB : JCS_CMYK);
  jpeg_set_defaults(&cinfo);
  if (jpeg_color_space == 5 && in_channels == 4) jpeg_set_colorspace(&cinfo, JCS_YCCK);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  if (exif && exif_size > 0 && exif_size <= 65533) {
    jpeg_write_marker(&cinfo, JPEG_APP0 + 1, exif, exif_size);
  }
  const size_t stride = (size_t)width * in_channels;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  mem = memp;
  jpeg_destroy_compress(&cinfo);
  *out = mem;
  *out_size = memsize;
  return SEGJPEG_OK;
}

void segjpeg_free(void *p) { free(p); }
