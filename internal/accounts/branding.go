package accounts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"regexp"
	"strings"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/events"
)

// Branding is how an organization's documents look: part of the data of
// organization.created and organization.updated, and of its view.
type Branding struct {
	AccentColor      string `json:"accent_color"`      // #rrggbb, lower case
	FooterText       string `json:"footer_text"`       // printed at the foot of every page
	DocumentLanguage string `json:"document_language"` // es or en: labels and amount in words
	Address          string `json:"address"`           // the issuer's address, as printed
}

// Branding defaults: what an organization created before branding existed
// reads as, too.
const (
	DefaultAccentColor      = "#1f4e79"
	DefaultDocumentLanguage = "es"
)

// DefaultBranding is a new organization's branding.
func DefaultBranding() Branding {
	return Branding{AccentColor: DefaultAccentColor, DocumentLanguage: DefaultDocumentLanguage}
}

func (b Branding) orDefaults() Branding {
	if b.AccentColor == "" {
		b.AccentColor = DefaultAccentColor
	}
	if b.DocumentLanguage == "" {
		b.DocumentLanguage = DefaultDocumentLanguage
	}
	return b
}

var accentPattern = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// patched applies the branding fields of p.
func (b Branding) patched(p OrganizationPatch) (Branding, error) {
	b = b.orDefaults()
	if p.AccentColor != nil {
		b.AccentColor = strings.ToLower(strings.TrimSpace(*p.AccentColor))
		if !accentPattern.MatchString(b.AccentColor) {
			return b, facturo.ParamError(facturo.CodeParameterInvalid, "accent_color", "accent_color must be a color such as \"#1f4e79\" (#rrggbb).")
		}
	}
	if p.FooterText != nil {
		var err error
		if b.FooterText, err = optionalText("footer_text", *p.FooterText, 500); err != nil {
			return b, err
		}
	}
	if p.Address != nil {
		var err error
		if b.Address, err = optionalText("address", *p.Address, 300); err != nil {
			return b, err
		}
	}
	if p.DocumentLanguage != nil {
		b.DocumentLanguage = *p.DocumentLanguage
		if b.DocumentLanguage != "es" && b.DocumentLanguage != "en" {
			return b, facturo.ParamError(facturo.CodeParameterInvalid, "document_language", "document_language must be \"es\" or \"en\".")
		}
	}
	return b, nil
}

// MaxLogoBytes bounds an uploaded logo.
const MaxLogoBytes = 512 << 10

// Logo describes an organization's logo: the data of
// organization.logo_updated and the logo of its view. The bytes are kept
// apart, by SHA256, so that events and views stay small.
type Logo struct {
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"` // image/png or image/jpeg
	Size        int    `json:"size"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
}

// ParseLogo checks an uploaded logo: PNG or JPEG by its first bytes (not
// by what the client says it is), at most MaxLogoBytes, and an image that
// decodes entirely.
func ParseLogo(data []byte) (Logo, error) {
	if len(data) > MaxLogoBytes {
		return Logo{}, facturo.Errorf(facturo.CodeBodyTooLarge, "A logo may have at most %d bytes (512 KB); this one has more.", MaxLogoBytes)
	}
	var decode func([]byte) (image.Image, error)
	l := Logo{Size: len(data)}
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		l.ContentType = "image/png"
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		l.ContentType = "image/jpeg"
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	default:
		return Logo{}, facturo.Errorf(facturo.CodeUnsupportedMediaType, "A logo must be a PNG or JPEG image; these bytes are neither.")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err == nil && (cfg.Width < 1 || cfg.Height < 1 || cfg.Width > 4096 || cfg.Height > 4096) {
		return Logo{}, facturo.ParamError(facturo.CodeParameterInvalid, "logo", "A logo must be 1 to 4096 pixels wide and high; this one is %d×%d.", cfg.Width, cfg.Height)
	}
	if err == nil {
		_, err = decode(data)
	}
	if err != nil {
		return Logo{}, facturo.ParamError(facturo.CodeParameterInvalid, "logo", "The logo is not a valid %s image: %v.", strings.TrimPrefix(l.ContentType, "image/"), err)
	}
	sum := sha256.Sum256(data)
	l.SHA256, l.Width, l.Height = hex.EncodeToString(sum[:]), cfg.Width, cfg.Height
	return l, nil
}

// SetLogo decides organization.logo_updated, or nothing if the logo is
// the one the organization has.
func (o *Organization) SetLogo(l Logo) []events.Draft {
	if o.Logo != nil && *o.Logo == l {
		return nil
	}
	return []events.Draft{{Type: events.OrganizationLogoUpdated, Data: l}}
}
