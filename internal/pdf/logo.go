package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // logos may be JPEG
	"image/png"
	"sync"
)

// Logos are printed at most 38 × 22 mm: 600 × 350 pixels is over 400 dpi.
const logoMaxW, logoMaxH = 600, 350

// printableLogo turns an uploaded logo (any PNG or JPEG the upload
// accepted: 16-bit, paletted, interlaced, greyscale, CMYK) into what fpdf
// embeds, an 8-bit RGBA PNG, shrunk to logoMaxW × logoMaxH with a box
// filter, so that a 4096-pixel logo costs neither memory nor bytes in
// every PDF.
func printableLogo(raw []byte) ([]byte, error) {
	src, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > logoMaxW || h > logoMaxH {
		s := min(float64(logoMaxW)/float64(w), float64(logoMaxH)/float64(h))
		w, h = max(1, int(float64(w)*s)), max(1, int(float64(h)*s))
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0, y1 := b.Min.Y+y*b.Dy()/h, b.Min.Y+(y+1)*b.Dy()/h
		for x := range w {
			x0, x1 := b.Min.X+x*b.Dx()/w, b.Min.X+(x+1)*b.Dx()/w
			dst.SetNRGBA(x, y, average(src, x0, y0, max(x1, x0+1), max(y1, y0+1)))
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, dst); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// average is the mean colour of src over [x0,x1)×[y0,y1), alpha-weighted.
func average(src image.Image, x0, y0, x1, y1 int) color.NRGBA {
	var r, g, b, a, n uint64
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			c := color.NRGBA64Model.Convert(src.At(x, y)).(color.NRGBA64)
			r, g, b = r+uint64(c.R)*uint64(c.A), g+uint64(c.G)*uint64(c.A), b+uint64(c.B)*uint64(c.A)
			a, n = a+uint64(c.A), n+1
		}
	}
	if a == 0 {
		return color.NRGBA{}
	}
	return color.NRGBA{R: uint8(r / a >> 8), G: uint8(g / a >> 8), B: uint8(b / a >> 8), A: uint8(a / n >> 8)}
}

// logoCache keeps the printable logos by digest: a logo's bytes never
// change under its digest, and decoding a large one for every PDF would
// cost more than the rest of the render. At most logoCacheSize are kept;
// when full, an arbitrary one makes room.
type logoCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

const logoCacheSize = 256

func (c *logoCache) get(orgID, sha string, load func() ([]byte, error)) ([]byte, error) {
	key := orgID + "/" + sha
	c.mu.Lock()
	b, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	raw, err := load()
	if err != nil {
		return nil, err
	}
	if b, err = printableLogo(raw); err != nil {
		return nil, fmt.Errorf("logo %s of %s: %w", sha, orgID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	for k := range c.m {
		if len(c.m) < logoCacheSize {
			break
		}
		delete(c.m, k)
	}
	c.m[key] = b
	return b, nil
}
