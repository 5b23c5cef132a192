// The only place that talks to libpng. Every setjmp lives here: libpng reports errors by longjmp, which
// Swift cannot catch, so each entry point sets its own jump buffer and turns errors into return codes.
#include "segpng.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct segpng_reader {
  png_structp png;
  png_infop info;
  const uint8_t *data;
  size_t size;
  size_t pos;
  uint32_t height;
  size_t rowbytes;
  int passes;
  char message[256];
};

static void copy_message(char *dst, size_t len, const char *msg) {
  if (dst == NULL || len == 0) return;
  snprintf(dst, len, "%s", msg ? msg : "unknown libpng error");
}

static void on_error(png_structp png, png_const_charp msg) {
  char *buf = (char *)png_get_error_ptr(png);
  if (buf) copy_message(buf, 256, msg);
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg; /* warnings (bad ancillary chunks, sRGB profiles) do not change pixels */
}

static void on_read(png_structp png, png_bytep out, png_size_t len) {
  struct segpng_reader *r = (struct segpng_reader *)png_get_io_ptr(png);
  if (r->size - r->pos < len) {
    png_error(png, "file is truncated (read past the end of the data)");
  }
  memcpy(out, r->data + r->pos, len);
  r->pos += len;
}

segpng_reader *segpng_open(const uint8_t *data, size_t size, uint64_t max_pixels,
                           segpng_info *out, int *code, char *err, size_t errlen) {
  if (data == NULL || out == NULL || code == NULL) {
    if (code) *code = SEGPNG_ERR_ARGUMENT;
    return NULL;
  }
  if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
    *code = SEGPNG_ERR_NOT_PNG;
    copy_message(err, errlen, "not a PNG file (bad signature)");
    return NULL;
  }
  struct segpng_reader *volatile r = calloc(1, sizeof(struct segpng_reader));
  if (r == NULL) {
    *code = SEGPNG_ERR_NOMEM;
    copy_message(err, errlen, "out of memory");
    return NULL;
  }
  r->data = data;
  r->size = size;
  r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r->message, on_error, on_warning);
  if (r->png == NULL) {
    free(r);
    *code = SEGPNG_ERR_NOMEM;
    copy_message(err, errlen, "cannot create libpng reader");
    return NULL;
  }
  r->info = png_create_info_struct(r->png);
  if (r->info == NULL) {
    png_destroy_read_struct(&r->png, NULL, NULL);
    free(r);
    *code = SEGPNG_ERR_NOMEM;
    copy_message(err, errlen, "cannot create libpng info");
    return NULL;
  }
  if (setjmp(png_jmpbuf(r->png))) {
    *code = SEGPNG_ERR_LIBPNG;
    copy_message(err, errlen, r->message);
    png_destroy_read_struct(&r->png, &r->info, NULL);
    free(r);
    return NULL;
  }
  png_set_read_fn(r->png, r, on_read);
  png_set_user_limits(r->png, 0x7fffffff, 0x7fffffff);
  png_set_chunk_malloc_max(r->png, 64u * 1024u * 1024u);
  png_read_info(r->png, r->info);

  png_uint_32 w = 0, h = 0;
  int depth = 0, ctype = 0, ilace = 0;
  png_get_IHDR(r->png, r->info, &w, &h, &depth, &ctype, &ilace, NULL, NULL);
  if ((uint64_t)w * (uint64_t)h > max_pixels) {
    *code = SEGPNG_ERR_TOO_LARGE;
    snprintf(err, errlen, "%ux%u = %llu pixels exceeds the limit of %llu pixels", (unsigned)w,
             (unsigned)h, (unsigned long long)w * h, (unsigned long long)max_pixels);
    png_destroy_read_struct(&r->png, &r->info, NULL);
    free(r);
    return NULL;
  }
  memset(out, 0, sizeof(*out));
  out->width = w;
  out->height = h;
  out->bit_depth = depth;
  out->color_type = ctype;
  out->interlaced = ilace != PNG_INTERLACE_NONE;

  if (ctype == PNG_COLOR_TYPE_PALETTE) {
    png_colorp pal = NULL;
    int n = 0;
    if (png_get_PLTE(r->png, r->info, &pal, &n) && pal) {
      png_bytep trans = NULL;
      int ntrans = 0;
      png_color_16p tc = NULL;
      png_get_tRNS(r->png, r->info, &trans, &ntrans, &tc);
      if (n > 256) n = 256;
      for (int i = 0; i < n; i++) {
        out->palette[i * 4 + 0] = pal[i].red;
        out->palette[i * 4 + 1] = pal[i].green;
        out->palette[i * 4 + 2] = pal[i].blue;
        out->palette[i * 4 + 3] = (trans && i < ntrans) ? trans[i] : 255;
      }
      out->palette_size = n;
    }
  }
  if (depth < 8) png_set_packing(r->png); /* one byte per sample, values unscaled */
  if (depth == 16) {
    const uint16_t probe = 1;
    if (*(const uint8_t *)&probe == 1) png_set_swap(r->png); /* host (little) endian */
  }
  r->passes = png_set_interlace_handling(r->png);
  png_read_update_info(r->png, r->info);
  out->channels = png_get_channels(r->png, r->info);
  out->out_bit_depth = depth == 16 ? 16 : 8;
  out->rowbytes = png_get_rowbytes(r->png, r->info);
  r->height = h;
  r->rowbytes = out->rowbytes;
  *code = SEGPNG_OK;
  return r;
}

int segpng_read(segpng_reader *r, uint8_t *outbuf, char *err, size_t errlen) {
  if (r == NULL || outbuf == NULL) return SEGPNG_ERR_ARGUMENT;
  png_bytep *volatile rows = malloc(sizeof(png_bytep) * (r->height ? r->height : 1));
  if (rows == NULL) {
    copy_message(err, errlen, "out of memory");
    return SEGPNG_ERR_NOMEM;
  }
  for (uint32_t y = 0; y < r->height; y++) rows[y] = outbuf + (size_t)y * r->rowbytes;
  if (setjmp(png_jmpbuf(r->png))) {
    free(rows);
    copy_message(err, errlen, r->message);
    return SEGPNG_ERR_LIBPNG;
  }
  png_read_image(r->png, rows);
  png_read_end(r->png, NULL);
  free(rows);
  return SEGPNG_OK;
}

void segpng_close(segpng_reader *r) {
  if (r == NULL) return;
  png_destroy_read_struct(&r->png, &r->info, NULL);
  free(r);
}

/* ---- encoding ---- */

struct membuf {
  uint8_t *data;
  size_t size;
  size_t cap;
};

static void on_write(png_structp png, png_bytep data, png_size_t len) {
  struct membuf *b = (struct membuf *)png_get_io_ptr(png);
  if (b->size + len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->size + len) cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) png_error(png, "out of memory while encoding");
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->size, data, len);
  b->size += len;
}

static void on_flush(png_structp png) { (void)png; }

int segpng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int layout, int bit_depth,
                  const uint8_t *palette_rgba, int palette_size, int compression, int interlace,
                  uint8_t **out, size_t *out_size, char *err, size_t errlen) {
  if (pixels == NULL || out == NULL || out_size == NULL || width == 0 || height == 0) {
    copy_message(err, errlen, "invalid arguments");
    return SEGPNG_ERR_ARGUMENT;
  }
  int ctype, depth = 8, channels, bps = 1;
  switch (layout) {
    case SEGPNG_ENC_GRAY8: ctype = PNG_COLOR_TYPE_GRAY; channels = 1; depth = bit_depth; break;
    case SEGPNG_ENC_GRAY16: ctype = PNG_COLOR_TYPE_GRAY; channels = 1; depth = 16; bps = 2; break;
    case SEGPNG_ENC_PALETTE: ctype = PNG_COLOR_TYPE_PALETTE; channels = 1; depth = bit_depth; break;
    case SEGPNG_ENC_RGB: ctype = PNG_COLOR_TYPE_RGB; channels = 3; break;
    case SEGPNG_ENC_RGBA: ctype = PNG_COLOR_TYPE_RGB_ALPHA; channels = 4; break;
    case SEGPNG_ENC_GRAYALPHA: ctype = PNG_COLOR_TYPE_GRAY_ALPHA; channels = 2; break;
    default: copy_message(err, errlen, "unknown pixel layout"); return SEGPNG_ERR_ARGUMENT;
  }
  if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16) {
    copy_message(err, errlen, "unsupported bit depth");
    return SEGPNG_ERR_ARGUMENT;
  }
  if (layout == SEGPNG_ENC_PALETTE && (palette_rgba == NULL || palette_size < 1 || palette_size > 256)) {
    copy_message(err, errlen, "a palette PNG needs 1 to 256 palette entries");
    return SEGPNG_ERR_ARGUMENT;
  }
  char message[256] = {0};
  struct membuf buf = {0};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, on_error, on_warning);
  if (png == NULL) {
    copy_message(err, errlen, "cannot create libpng writer");
    return SEGPNG_ERR_NOMEM;
  }
  png_infop info = png_create_info_struct(png);
  png_bytep *volatile rows = NULL;
  struct membuf *volatile bufp = &buf;
  if (info == NULL || setjmp(png_jmpbuf(png))) {
    free(rows);
    free(bufp->data);
    png_destroy_write_struct(&png, &info);
    copy_message(err, errlen, message[0] ? message : "cannot create libpng info");
    return SEGPNG_ERR_LIBPNG;
  }
  png_set_write_fn(png, &buf, on_write, on_flush);
  png_set_compression_level(png, compression < 0 ? 6 : (compression > 9 ? 9 : compression));
  png_set_IHDR(png, info, width, height, depth, ctype,
               interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (layout == SEGPNG_ENC_PALETTE) {
    png_color pal[256];
    png_byte trans[256];
    int last_trans = -1;
    for (int i = 0; i < palette_size; i++) {
      pal[i].red = palette_rgba[i * 4 + 0];
      pal[i].green = palette_rgba[i * 4 + 1];
      pal[i].blue = palette_rgba[i * 4 + 2];
      trans[i] = palette_rgba[i * 4 + 3];
      if (trans[i] != 255) last_trans = i;
    }
    png_set_PLTE(png, info, pal, palette_size);
    if (last_trans >= 0) png_set_tRNS(png, info, trans, last_trans + 1, NULL);
  }
  png_write_info(png, info);
  if (depth < 8) png_set_packing(png);
  if (depth == 16) {
    const uint16_t probe = 1;
    if (*(const uint8_t *)&probe == 1) png_set_swap(png);
  }
  int passes = png_set_interlace_handling(png);
  (void)passes;
  rows = malloc(sizeof(png_bytep) * height);
  if (rows == NULL) png_error(png, "out of memory");
  size_t stride = (size_t)width * channels * bps;
  for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * stride);
  png_write_image(png, rows);
  png_write_end(png, NULL);
  free(rows);
  png_destroy_write_struct(&png, &info);
  *out = buf.data;
  *out_size = buf.size;
  return SEGPNG_OK;
}

void segpng_free(void *p) { free(p); }
