package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/command"
)

// idempotencyLock bounds how long a claimed key waits for its first request
// before another attempt may take it over: after that, a retry of a
// request that died before committing (a crashed process) runs it. Taking
// over an attempt that is only slow is safe: a claim commits once, and the
// attempt that does not gets idempotency_key_in_use.
const idempotencyLock = 15 * time.Second

// idempotencyRecordTimeout bounds recording an answer or releasing a key
// after the request, which runs without the request's context: a client
// that went away must not leave its key unrecorded.
const idempotencyRecordTimeout = 10 * time.Second

// bufferedResponse holds a response until it is recorded.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

// idempotent runs a POST at most once per Idempotency-Key: a retry with the
// same key and body gets the first answer, with Idempotent-Replayed: true.
//
// The claim is handed to fn, whose command marks it committed, with its
// answer, in its own transaction (runCommand); an answer without a commit
// (an error) is recorded here afterwards, and a server error before any
// commit releases the key.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, fn commandFunc) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return fn(w, r, nil)
	}
	if len(key) > 255 {
		return facturo.ParamError(facturo.CodeParameterInvalid, "Idempotency-Key", "Idempotency-Key must be at most 255 characters.")
	}
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return facturo.Errorf(facturo.CodeBodyTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
	}
	if err != nil {
		return facturo.Errorf(facturo.CodeInvalidRequest, "The request body could not be read.")
	}
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
	scope := idempotencyScope(principal(r.Context()))
	ctx := r.Context()
	rec, err := s.Idempotency.Claim(ctx, scope, key, hex.EncodeToString(sum[:]), idempotencyLock)
	if err != nil {
		return err
	}
	if rec != nil {
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Status)
		_, _ = w.Write(rec.Body)
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	buf := &bufferedResponse{header: w.Header()}
	if err := fn(buf, r, &command.Claim{Scope: scope, Key: key}); err != nil {
		writeError(buf, r, s.log, err)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), idempotencyRecordTimeout)
	defer cancel()
	if buf.status >= 500 {
		if err := s.Idempotency.Release(rctx, scope, key); err != nil {
			s.log.ErrorContext(ctx, "release idempotency key", "err", err)
		}
	} else if err := s.Idempotency.Complete(rctx, scope, key, buf.status, buf.body.Bytes()); err != nil {
		s.log.ErrorContext(ctx, "record idempotent response", "err", err)
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
	return nil
}

// idempotencyScope separates the keys of different callers: an organization
// mode, a user, or the operator.
func idempotencyScope(p Principal) string {
	switch p.Auth {
	case AuthOrg:
		return "org:" + p.Tenant.OrgID + ":" + p.Tenant.Mode()
	case AuthUser:
		return "user:" + p.UserID
	}
	return "operator"
}
