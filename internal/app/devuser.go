package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// UserKeyFile is where make run keeps, under its data directory and
// readable by its owner only, the user key it prints to sign in to the
// dashboard with.
const UserKeyFile = "user_key"

// developerKey returns a user key that the API at base accepts: the one
// kept in dir/user_key while it works, otherwise a new user's (the
// developer of this make run), made through the API with the operator key
// as any user is, and kept there. A revoked or unreadable kept key is
// replaced, never printed.
func developerKey(ctx context.Context, base, adminKey, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	path := filepath.Join(dir, UserKeyFile)
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read user key: %w", err)
	}
	if kept := strings.TrimSpace(string(b)); kept != "" {
		status, _, err := callAPI(ctx, "GET", base+"/v1/organizations?limit=1", kept, nil)
		if err != nil {
			return "", err
		}
		if status == http.StatusOK {
			return kept, nil
		}
	}
	secret, err := newDeveloper(ctx, base, adminKey)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write user key: %w", err)
	}
	return secret, nil
}

// newDeveloper creates a user for the developer of this make run and
// returns its key. Emails are unique and a revoked key stays revoked, so
// after a revocation the next developer is developer+2@, then +3@...
func newDeveloper(ctx context.Context, base, adminKey string) (string, error) {
	for n := 1; n <= 100; n++ {
		email := "developer@facturo.localhost"
		if n > 1 {
			email = fmt.Sprintf("developer+%d@facturo.localhost", n)
		}
		status, body, err := callAPI(ctx, "POST", base+"/v1/users", adminKey, map[string]string{"email": email, "name": "Developer"})
		if err != nil {
			return "", err
		}
		if status == http.StatusConflict {
			continue
		}
		var created struct {
			SecretKey string `json:"secret_key"`
		}
		if err := json.Unmarshal(body, &created); err != nil || status != http.StatusCreated || created.SecretKey == "" {
			return "", fmt.Errorf("create the developer user: %d %s", status, body)
		}
		return created.SecretKey, nil
	}
	return "", errors.New("create the developer user: developer@ to developer+100@facturo.localhost all exist")
}

// callAPI makes one API call with key, retrying while the API does not
// accept connections yet (it is starting beside this call).
func callAPI(ctx context.Context, method, url, key string, body any) (int, []byte, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	for {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(payload))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var out bytes.Buffer
			_, err = out.ReadFrom(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, out.Bytes(), err
		}
		select {
		case <-ctx.Done():
			return 0, nil, fmt.Errorf("%s %s: %w", method, url, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
