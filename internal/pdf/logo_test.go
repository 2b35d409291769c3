package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/color/palette"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/facturo/facturo/internal/accounts"
)

// Every logo the upload accepts is printable: whatever its PNG depth or
// colour model, or a JPEG, it becomes an 8-bit RGB(A) PNG of at most 600 × 350
// pixels, keeping its shape, that fpdf embeds.
func TestEveryAcceptedLogoPrints(t *testing.T) {
	fill := func(img interface{ Set(int, int, color.Color) }, w, h int) {
		for y := range h {
			for x := range w {
				img.Set(x, y, color.RGBA{uint8(x), uint8(y), 0x80, 0xff})
			}
		}
	}
	encode := func(img image.Image, asJPEG bool) []byte {
		var b bytes.Buffer
		if asJPEG {
			_ = jpeg.Encode(&b, img, nil)
		} else {
			_ = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img)
		}
		return b.Bytes()
	}
	rgba64 := image.NewRGBA64(image.Rect(0, 0, 90, 30))
	fill(rgba64, 90, 30)
	paletted := image.NewPaletted(image.Rect(0, 0, 90, 30), palette.WebSafe)
	fill(paletted, 90, 30)
	gray16 := image.NewGray16(image.Rect(0, 0, 90, 30))
	fill(gray16, 90, 30)
	huge := image.NewNRGBA(image.Rect(0, 0, 3000, 1000))
	fill(huge, 3000, 1000)
	for _, c := range []struct {
		name string
		data []byte
		w, h int
	}{
		{"16-bit RGBA PNG", encode(rgba64, false), 90, 30},
		{"paletted PNG", encode(paletted, false), 90, 30},
		{"16-bit grey PNG", encode(gray16, false), 90, 30},
		{"JPEG", encode(rgba64, true), 90, 30},
		{"grey JPEG", encode(gray16, true), 90, 30},
		{"3000 × 1000 PNG", encode(huge, false), 600, 200},
	} {
		if _, err := accounts.ParseLogo(c.data); err != nil {
			t.Fatalf("%s: the upload refuses it: %v", c.name, err)
		}
		out, err := printableLogo(c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(out))
		// 8 bits a channel: RGB when opaque, RGBA with alpha.
		eightBit := cfg.ColorModel == color.RGBAModel || cfg.ColorModel == color.NRGBAModel
		if err != nil || !eightBit || cfg.Width != c.w || cfg.Height != c.h {
			t.Errorf("%s: printable logo %dx%d (8-bit %v), err %v; want %dx%d", c.name, cfg.Width, cfg.Height, eightBit, err, c.w, c.h)
		}
		d := sample(Spanish, 1)
		d.Logo = out
		if _, err := Render(d); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
