package invoicing

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Limits on free-form metadata, as in Stripe and Facturapi.
const (
	maxMetadataKeys     = 50
	maxMetadataKeyLen   = 40
	maxMetadataValueLen = 500
)

func validateMetadata(param string, md map[string]string) error {
	if len(md) > maxMetadataKeys {
		return invalid(param, "metadata may hold at most %d keys.", maxMetadataKeys)
	}
	for k, v := range md {
		if k == "" || utf8.RuneCountInString(k) > maxMetadataKeyLen {
			return invalid(param, "metadata keys must be 1 to %d characters long.", maxMetadataKeyLen)
		}
		if utf8.RuneCountInString(v) > maxMetadataValueLen {
			return invalid(param+"."+k, "metadata values may be at most %d characters long.", maxMetadataValueLen)
		}
	}
	return nil
}

// copyMetadata returns a copy that is never nil, so views always show {}.
func copyMetadata(md map[string]string) map[string]string {
	out := make(map[string]string, len(md))
	for k, v := range md {
		out[k] = v
	}
	return out
}

func validateEmail(param, s string) error {
	if len(s) > maxEmailLen {
		return invalid(param, "an email address may be at most %d characters long.", maxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return invalid(param, "'%s' is not a valid email address.", clip(s))
	}
	return nil
}

// maxEmailLen is the longest email address (RFC 5321 forward path).
const maxEmailLen = 254

// clip cuts what a message repeats of an input to 64 bytes, at a
// character boundary: the input may be a megabyte.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// requiredText trims s and checks it is present and not longer than max.
func requiredText(param, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", missing(param)
	}
	return s, maxLen(param, s, max)
}

func maxLen(param, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return invalid(param, "%s may be at most %d characters long.", param, max)
	}
	return nil
}

func matches(re *regexp.Regexp, param, s, what string) error {
	if !re.MatchString(s) {
		return invalid(param, "'%s' is not %s.", clip(s), what)
	}
	return nil
}

// firstErr returns the first non-nil error, so a validator reads as a list.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
