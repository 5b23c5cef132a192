// The only libtiff user. Errors go to a per-handle buffer through TIFFOpenOptions (libtiff >= 4.5),
// so no global handler or state is touched and decoders on several threads do not interfere.
#include "segtiff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

struct segtiff {
  TIFF *tif;
  uint64_t max_alloc; /* the largest strip or tile buffer segtiff_read allocates */
  const uint8_t *data;
  size_t size;
  size_t pos;
  char error[256];
  segtiff_info info;
};

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
  (void)tif;
  (void)module;
  struct segtiff *t = user;
  if (t && t->error[0] == 0) vsnprintf(t->error, sizeof t->error, fmt, ap);
  return 1; /* handled: libtiff's global handler (stderr) is not called */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
  (void)tif;
  (void)user;
  (void)module;
  (void)fmt;
  (void)ap;
  return 1; /* silenced */
}

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n) {
  struct segtiff *t = (struct segtiff *)h;
  if (n <= 0 || t->pos >= t->size) return 0;
  size_t left = t->size - t->pos;
  size_t k = (size_t)n < left ? (size_t)n : left;
  memcpy(buf, t->data + t->pos, k);
  t->pos += k;
  return (tmsize_t)k;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n) {
  (void)h;
  (void)buf;
  (void)n;
  return -1;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence) {
  struct segtiff *t = (struct segtiff *)h;
  uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? t->pos : t->size;
  uint64_t p = base + off;
  if (p > (uint64_t)1 << 62) return (toff_t)-1;
  t->pos = (size_t)p;
  return (toff_t)p;
}

static int mem_close(thandle_t h) {
  (void)h;
  return 0;
}

static toff_t mem_size(thandle_t h) { return (toff_t)((struct segtiff *)h)->size; }

static int mem_map(thandle_t h, void **base, toff_t *size) {
  struct segtiff *t = (struct segtiff *)h;
  *base = (void *)t->data;
  *size = (toff_t)t->size;
  return 1;
}

static void mem_unmap(thandle_t h, void *base, toff_t size) {
  (void)h;
  (void)base;
  (void)size;
}

static void copy_err(char *err, size_t errlen, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg[0] ? msg : "libtiff could not read the file");
}

static int read_info(struct segtiff *t) {
  TIFF *tif = t->tif;
  segtiff_info *i = &t->info;
  memset(i, 0, sizeof *i);
  uint32_t w = 0, h = 0;
  uint16_t bits = 1, spp = 1, fmt = SAMPLEFORMAT_UINT, photo = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG, comp = COMPRESSION_NONE;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h)) {
    if (!t->error[0]) snprintf(t->error, sizeof t->error, "the TIFF directory has no image size");
    return 0;
  }
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo)) photo = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  i->width = w;
  i->height = h;
  i->bits = bits;
  i->spp = spp;
  i->sample_format = fmt;
  i->photometric = photo;
  i->planar = planar;
  i->tiled = TIFFIsTiled(tif) ? 1 : 0;
  i->compression = comp;
  i->pages = TIFFLastDirectory(tif) ? 1 : 2;
  if (photo == PHOTOMETRIC_PALETTE && bits <= 8) {
    uint16_t *r = NULL, *g = NULL, *b = NULL;
    if (TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b) && r && g && b) {
      int n = 1 << bits;
      for (int k = 0; k < n; k++) {
        i->palette[k * 3] = (uint8_t)(r[k] >> 8);
        i->palette[k * 3 + 1] = (uint8_t)(g[k] >> 8);
        i->palette[k * 3 + 2] = (uint8_t)(b[k] >> 8);
      }
      i->palette_size = n;
    }
  }
  return 1;
}

static TIFFOpenOptions *options(struct segtiff *t, uint64_t max_alloc) {
  TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
  if (!o) return NULL;
  TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, t);
  TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, t);
  if (max_alloc) TIFFOpenOptionsSetMaxSingleMemAlloc(o, (tmsize_t)max_alloc);
  return o;
}

/* The end of both openers: reads the directory, or releases everything and reports why not. */
static segtiff *finish_open(struct segtiff *t, segtiff_info *info, char *err, size_t errlen) {
  if (!t->tif || !read_info(t)) {
    copy_err(err, errlen, t->error);
    if (t->tif) TIFFClose(t->tif);
    free(t);
    return NULL;
  }
  *info = t->info;
  return t;
}

segtiff *segtiff_open_memory(const uint8_t *data, size_t size, uint64_t max_alloc, segtiff_info *info, char *err, size_t errlen) {
  struct segtiff *t = calloc(1, sizeof *t);
  if (!t) {
    copy_err(err, errlen, "out of memory");
    return NULL;
  }
  t->data = data;
  t->size = size;
  t->max_alloc = max_alloc ? max_alloc : (uint64_t)256 << 20;
  TIFFOpenOptions *o = options(t, max_alloc);
  if (!o) {
    free(t);
    copy_err(err, errlen, "out of memory");
    return NULL;
  }
  t->tif = TIFFClientOpenExt("<memory>", "rm", (thandle_t)t, mem_read, mem_write, mem_seek, mem_close, mem_size, mem_map, mem_unmap, o);
  TIFFOpenOptionsFree(o);
  return finish_open(t, info, err, errlen);
}

segtiff *segtiff_open_path(const char *path, segtiff_info *info, char *err, size_t errlen) {
  struct segtiff *t = calloc(1, sizeof *t);
  if (!t) {
    copy_err(err, errlen, "out of memory");
    return NULL;
  }
  t->max_alloc = (uint64_t)64 << 20;
  TIFFOpenOptions *o = options(t, t->max_alloc);
  if (!o) {
    free(t);
    copy_err(err, errlen, "out of memory");
    return NULL;
  }
  t->tif = TIFFOpenExt(path, "rm", o);
  TIFFOpenOptionsFree(o);
  return finish_open(t, info, err, errlen);
}

/* Copies a decoded block (a strip or a tile) of one plane (or of all samples when contiguous) into
   the interleaved output. `bw` x `bh` is the block's size in pixels, (x0, y0) its place. */
static void place(const uint8_t *block, uint32_t bw, uint32_t bh, uint32_t x0, uint32_t y0, int plane, int contiguous, const segtiff_info *i, uint8_t *out) {
  size_t bps = (size_t)i->bits / 8;
  size_t spp = (size_t)i->spp;
  size_t in_px = contiguous ? spp * bps : bps;
  uint32_t w = x0 + bw > i->width ? i->width - x0 : bw;
  uint32_t h = y0 + bh > i->height ? i->height - y0 : bh;
  for (uint32_t y = 0; y < h; y++) {
    const uint8_t *src = block + (size_t)y * bw * in_px;
    uint8_t *dst = out + (((size_t)(y0 + y) * i->width + x0) * spp) * bps;
    if (contiguous) {
      memcpy(dst, src, (size_t)w * in_px);
    } else {
      for (uint32_t x = 0; x < w; x++) memcpy(dst + ((size_t)x * spp + (size_t)plane) * bps, src + (size_t)x * bps, bps);
    }
  }
}

int segtiff_read(segtiff *t, uint8_t *out, size_t outsize, char *err, size_t errlen) {
  const segtiff_info *i = &t->info;
  if ((i->bits != 8 && i->bits != 16) || (i->sample_format != SAMPLEFORMAT_UINT && i->sample_format != SAMPLEFORMAT_VOID)) {
    copy_err(err, errlen, "only 8- and 16-bit unsigned samples are read this way");
    return SEGTIFF_ERR_UNSUPPORTED;
  }
  size_t need = (size_t)i->width * i->height * (size_t)i->spp * ((size_t)i->bits / 8);
  if (outsize < need) {
    copy_err(err, errlen, "output buffer too small");
    return SEGTIFF_ERR_UNSUPPORTED;
  }
  int contiguous = i->planar != PLANARCONFIG_SEPARATE || i->spp == 1;
  int planes = contiguous ? 1 : i->spp;
  TIFF *tif = t->tif;
  if (i->tiled) {
    uint32_t tw = 0, th = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    tmsize_t ts = TIFFTileSize(tif);
    if (tw == 0 || th == 0 || ts <= 0) {
      copy_err(err, errlen, t->error[0] ? t->error : "invalid tile size");
      return SEGTIFF_ERR_LIBTIFF;
    }
    size_t in_px = contiguous ? (size_t)i->spp * i->bits / 8 : (size_t)i->bits / 8;
    if ((uint64_t)tw * th * in_px > (uint64_t)ts) {
      copy_err(err, errlen, "tile size disagrees with the tile dimensions");
      return SEGTIFF_ERR_LIBTIFF;
    }
    /* A tile may be declared far larger than the image: its buffer is bounded like the image. */
    if ((uint64_t)ts > t->max_alloc) {
      snprintf(err, errlen, "a %ux%u tile needs %llu bytes, over the limit of %llu", tw, th, (unsigned long long)ts, (unsigned long long)t->max_alloc);
      return SEGTIFF_ERR_TOO_LARGE;
    }
    uint8_t *buf = malloc((size_t)ts);
    if (!buf) {
      copy_err(err, errlen, "out of memory for a tile");
      return SEGTIFF_ERR_NOMEM;
    }
    for (int p = 0; p < planes; p++) {
      for (uint32_t y = 0; y < i->height; y += th) {
        for (uint32_t x = 0; x < i->width; x += tw) {
          uint32_t tile = TIFFComputeTile(tif, x, y, 0, (uint16_t)p);
          if (TIFFReadEncodedTile(tif, tile, buf, ts) < 0) {
            free(buf);
            copy_err(err, errlen, t->error);
            return SEGTIFF_ERR_LIBTIFF;
          }
          place(buf, tw, th, x, y, p, contiguous, i, out);
        }
      }
    }
    free(buf);
  } else {
    uint32_t rps = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    if (rps == 0 || rps > i->height) rps = i->height;
    tmsize_t ss = TIFFStripSize(tif);
    size_t in_px = contiguous ? (size_t)i->spp * i->bits / 8 : (size_t)i->bits / 8;
    if (ss <= 0 || (uint64_t)rps * i->width * in_px > (uint64_t)ss) {
      copy_err(err, errlen, t->error[0] ? t->error : "invalid strip size");
      return SEGTIFF_ERR_LIBTIFF;
    }
    if ((uint64_t)ss > t->max_alloc) {
      snprintf(err, errlen, "a strip of %llu bytes is over the limit of %llu", (unsigned long long)ss, (unsigned long long)t->max_alloc);
      return SEGTIFF_ERR_TOO_LARGE;
    }
    uint8_t *buf = malloc((size_t)ss);
    if (!buf) {
      copy_err(err, errlen, "out of memory for a strip");
      return SEGTIFF_ERR_NOMEM;
    }
    for (int p = 0; p < planes; p++) {
      for (uint32_t y = 0; y < i->height; y += rps) {
        uint32_t strip = TIFFComputeStrip(tif, y, (uint16_t)p);
        uint32_t rows = y + rps > i->height ? i->height - y : rps;
        tmsize_t want = (tmsize_t)((size_t)rows * i->width * in_px);
        tmsize_t got = TIFFReadEncodedStrip(tif, strip, buf, want);
        if (got < want) {
          free(buf);
          copy_err(err, errlen, t->error[0] ? t->error : "strip is truncated");
          return SEGTIFF_ERR_LIBTIFF;
        }
        place(buf, i->width, rows, 0, y, p, contiguous, i, out);
      }
    }
    free(buf);
  }
  return SEGTIFF_OK;
}

int segtiff_read_rgba(segtiff *t, uint32_t *out, char *err, size_t errlen) {
  char why[1024] = {0};
  if (!TIFFRGBAImageOK(t->tif, why)) {
    copy_err(err, errlen, why);
    return SEGTIFF_ERR_UNSUPPORTED;
  }
  if (!TIFFReadRGBAImageOriented(t->tif, t->info.width, t->info.height, out, ORIENTATION_TOPLEFT, 1)) {
    copy_err(err, errlen, t->error);
    return SEGTIFF_ERR_LIBTIFF;
  }
  return SEGTIFF_OK;
}

void segtiff_close(segtiff *t) {
  if (!t) return;
  if (t->tif) TIFFClose(t->tif);
  free(t);
}
