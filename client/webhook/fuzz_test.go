package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary headers and bodies to Verify. It must never
// panic, must answer with one of the documented errors, and must accept what
// Sign produced for the same inputs. go test runs the seeds below.
func FuzzVerify(f *testing.F) {
	f.Add(specMsgID, strconv.Itoa(specTimestamp), specSignature, []byte(specPayload))
	f.Add("", "", "", []byte(nil))
	f.Add("evt_1", "-1", "v1,", []byte("{}"))
	f.Add("evt_1", "99999999999999999999", "v1a,AAAA v1,AAAA", []byte("{}"))
	f.Add("a.b", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1", []byte("\x00\xff"))
	f.Add("evt_1", "1614265330000", "v1,AAAA", []byte("{}"))
	f.Add("evt_1", "9223372036854775807", "v1,AAAA", []byte("{}"))
	f.Add("evt_1", "1614265330", ",,, v1,,, v1,=== v1,"+strings.Repeat("A", 100), []byte("x"))

	known := []error{ErrMissingHeaders, ErrInvalidTimestamp, ErrTimestampTooOld, ErrTimestampTooNew, ErrInvalidSignature}
	now := time.Unix(specTimestamp, 0)
	v := verifierAt(f, now, specSecret)

	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		if err := v.Verify(h, body); err != nil && !isOneOf(err, known) {
			t.Fatalf("Verify returned an undocumented error: %v", err)
		}

		// Whatever Sign accepts, Verify must accept.
		good, err := Sign(id, now, body, specSecret)
		if err != nil {
			return // invalid id: nothing to round-trip
		}
		h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(HeaderSignature, sig+" "+good)
		if err := v.Verify(h, body); err != nil {
			t.Fatalf("Verify(Sign(...)) = %v", err)
		}
	})
}

func isOneOf(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
