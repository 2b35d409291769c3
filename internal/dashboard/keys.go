package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/facturo/facturo"
	"github.com/facturo/facturo/internal/accounts"
	"github.com/facturo/facturo/internal/auth"
	"github.com/facturo/facturo/internal/command"
	"github.com/facturo/facturo/internal/httpapi"
	"github.com/facturo/facturo/internal/postgres"
)

func (s *Dashboard) keyRoutes() {
	base := Prefix + "/organizations/{org}/{mode}"
	s.mux.HandleFunc("GET "+base+"/keys", s.inOrg("keys", s.keys))
	s.mux.HandleFunc("POST "+base+"/keys", s.inOrg("keys", s.createKey))
	s.mux.HandleFunc("GET "+base+"/keys/{key}", s.inOrg("keys", s.key))
	s.mux.HandleFunc("POST "+base+"/keys/{key}/rotate", s.inOrg("keys", s.rotateKey))
	s.mux.HandleFunc("POST "+base+"/keys/{key}/revoke", s.keyAction(command.RevokeKey))
	s.mux.HandleFunc("POST "+base+"/keys/{key}/enable", s.keyAction(setEnabled(true)))
	s.mux.HandleFunc("POST "+base+"/keys/{key}/disable", s.keyAction(setEnabled(false)))
	s.mux.HandleFunc("GET "+base+"/audit", s.inOrg("audit", s.audit))
}

// keyForm is the create form as the user filled it in, shown again with
// the error when the command refuses it.
type keyForm struct {
	Name        string
	Scopes      []string
	ExpiresAt   string
	IPAllowlist string
}

type keysData struct {
	Keys      list[accounts.KeyView]
	Catalogue []auth.ScopeInfo
	Form      keyForm
}

func (s *Dashboard) keys(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	return s.renderKeys(w, r, ss, o, http.StatusOK, keyForm{Scopes: []string{auth.ScopeAll}}, nil)
}

// renderKeys shows the keys of o's mode and the create form; refused is
// the error of a create that the form is shown again for.
func (s *Dashboard) renderKeys(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage, status int, form keyForm, refused error) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	p.Limit = 100
	all, more, err := s.Accounts.ListKeys(r.Context(), o.ID, p)
	if err != nil {
		return err
	}
	var mine []accounts.KeyView
	for _, k := range all {
		if k.Livemode == o.Livemode {
			mine = append(mine, k)
		}
	}
	v := o.page(ss, "API keys", keysData{Catalogue: auth.Catalogue(), Form: form,
		Keys: pager(mine, more, p, func(k accounts.KeyView) string { return k.ID })})
	if refused != nil {
		v.Error = message(refused)
	}
	s.render(w, r, status, "keys", v)
	return nil
}

// createKey runs command.CreateKey with the form turned into the API's
// JSON body and decoded by the API's decoder: the same validation and the
// same messages as POST /v1/organizations/{org}/api_keys.
func (s *Dashboard) createKey(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	f := r.PostForm
	form := keyForm{Name: f.Get("name"), Scopes: f["scopes"], ExpiresAt: f.Get("expires_at"), IPAllowlist: f.Get("ip_allowlist")}
	body := map[string]any{"name": form.Name, "mode": o.Mode, "scopes": form.Scopes}
	if form.Scopes == nil {
		body["scopes"] = []string{}
	}
	if e := strings.TrimSpace(form.ExpiresAt); e != "" {
		body["expires_at"] = formTime(e)
	}
	if allow := fields(form.IPAllowlist); allow != nil {
		body["ip_allowlist"] = allow
	}
	var in accounts.KeyInput
	err := decodeForm(body, &in)
	var k command.NewKey
	if err == nil {
		k, err = command.CreateKey(r.Context(), s.commands, s.newSecret, ss.who.UserID, s.meta(r, ss), o.ID, in)
	}
	if err != nil {
		return s.renderKeys(w, r, ss, o, httpapi.ErrorStatus(err), form, err)
	}
	s.reveal(w, r, ss, k.Key.ID, k.Secret.String())
	http.Redirect(w, r, o.Base()+"/keys/"+k.Key.ID, http.StatusSeeOther)
	return nil
}

// decodeForm encodes body as JSON and decodes it with the API's decoder.
func decodeForm(body map[string]any, v any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return httpapi.DecodeJSON(b, v)
}

// formTime turns a datetime-local value (a minute, no zone: read as UTC)
// into RFC 3339; anything else goes to the decoder as typed, which refuses
// it with the API's message.
func formTime(s string) string {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return s
}

// fields splits a textarea on commas, spaces and new lines; nil when empty.
func fields(s string) []string {
	out := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	if len(out) == 0 {
		return nil
	}
	return out
}

// newSecret generates a key secret and its bcrypt hash, as the API does.
func (s *Dashboard) newSecret(kind auth.Kind) (auth.Token, []byte, error) {
	tok, err := auth.Generate(kind)
	if err != nil {
		return tok, nil, err
	}
	hash, err := auth.HashWithCost(tok, s.BcryptCost)
	return tok, hash, err
}

// ownedKey reads a key of o in o's mode; a key of the other mode, of
// another organization or of nobody reads as not found.
func (s *Dashboard) ownedKey(r *http.Request, ss *session, o *orgPage) (*accounts.APIKey, error) {
	keyID := r.PathValue("key")
	k, err := command.OwnedKey(r.Context(), s.commands, ss.who.UserID, o.ID, keyID)
	if err != nil {
		return nil, err
	}
	if k.Livemode != o.Livemode {
		return nil, facturo.NotFound("api_key", keyID)
	}
	return k, nil
}

type keyData struct {
	Key      accounts.KeyView
	Secret   string // the new secret, on the one page that shows it
	Activity []auth.KeyUse
}

func (s *Dashboard) key(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	k, err := s.ownedKey(r, ss, o)
	if err != nil {
		return err
	}
	return s.renderKey(w, r, ss, o, k, http.StatusOK, nil)
}

// renderKey shows a key, its recent activity and its actions; refused is
// the error of an action that was refused.
func (s *Dashboard) renderKey(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage, k *accounts.APIKey, status int, refused error) error {
	d := keyData{Key: k.View(), Secret: s.revealed(w, r, ss, k.ID)}
	var err error
	if d.Key.LastUsedAt, err = s.Accounts.KeyLastUsed(r.Context(), k.ID); err != nil {
		return err
	}
	if s.Activity != nil {
		if d.Activity, err = s.Activity.KeyActivity(r.Context(), o.ID, k.ID, 20); err != nil {
			return err
		}
	}
	v := o.page(ss, "API key "+k.Prefix, d)
	if refused != nil {
		v.Error = message(refused)
	}
	s.render(w, r, status, "key", v)
	return nil
}

// rotateKey runs command.RotateKey with the grace period of the form.
func (s *Dashboard) rotateKey(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	k, err := s.ownedKey(r, ss, o)
	if err != nil {
		return err
	}
	grace, err := graceOf(r.PostForm.Get("grace_period_seconds"))
	var nk command.NewKey
	if err == nil {
		nk, err = command.RotateKey(r.Context(), s.commands, s.newSecret, ss.who.UserID, s.meta(r, ss), o.ID, k.ID, grace)
	}
	if err != nil {
		return s.renderKey(w, r, ss, o, k, httpapi.ErrorStatus(err), err)
	}
	s.Auth.Cache.InvalidateKey(k.ID)
	s.reveal(w, r, ss, k.ID, nk.Secret.String())
	http.Redirect(w, r, o.Base()+"/keys/"+k.ID, http.StatusSeeOther)
	return nil
}

// graceOf reads grace_period_seconds as the API does: an integer, out of
// range refused by the key itself with the parameter's name.
func graceOf(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return accounts.DefaultGracePeriod, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, facturo.ParamError(facturo.CodeParameterInvalid, "grace_period_seconds", "grace_period_seconds must be an integer.")
	}
	if n < 0 || n > int64(accounts.MaxGracePeriod/time.Second) {
		return -1, nil
	}
	return time.Duration(n) * time.Second, nil
}

// keyChange is a key command that takes no input.
type keyChange func(ctx context.Context, st command.Store, userID string, m command.Meta, orgID, keyID string) (*accounts.APIKey, error)

func setEnabled(on bool) keyChange {
	return func(ctx context.Context, st command.Store, userID string, m command.Meta, orgID, keyID string) (*accounts.APIKey, error) {
		return command.UpdateKey(ctx, st, userID, m, orgID, keyID, accounts.KeyPatch{Enabled: &on})
	}
}

// keyAction runs change on a key of the page's organization and mode,
// drops the key from this process's cache (others hear of it through the
// key events), and shows the key again.
func (s *Dashboard) keyAction(change keyChange) http.HandlerFunc {
	return s.inOrg("keys", func(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
		k, err := s.ownedKey(r, ss, o)
		if err != nil {
			return err
		}
		if _, err := change(r.Context(), s.commands, ss.who.UserID, s.meta(r, ss), o.ID, k.ID); err != nil {
			return s.renderKey(w, r, ss, o, k, httpapi.ErrorStatus(err), err)
		}
		s.Auth.Cache.InvalidateKey(k.ID)
		http.Redirect(w, r, o.Base()+"/keys/"+k.ID, http.StatusSeeOther)
		return nil
	})
}

type auditData struct {
	Entries list[postgres.AuditEntry]
}

func (s *Dashboard) audit(w http.ResponseWriter, r *http.Request, ss *session, o *orgPage) error {
	p, err := pageOf(r)
	if err != nil {
		return err
	}
	if s.Activity == nil {
		return facturo.Errorf(facturo.CodeServiceUnavailable, "The audit log is not available on this server.")
	}
	entries, more, err := s.Activity.AuditLog(r.Context(), o.ID, p)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "audit", o.page(ss, "Audit log",
		auditData{Entries: pager(entries, more, p, func(e postgres.AuditEntry) string { return e.ID })}))
	return nil
}
