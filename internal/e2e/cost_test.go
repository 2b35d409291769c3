package e2e

import (
	"context"
	"testing"

	"github.com/facturo/facturo/internal/app"
	"golang.org/x/crypto/bcrypt"
)

// The other end-to-end tests lower the bcrypt cost for speed; this one runs
// the configuration production runs and checks what lands in the database.
func TestProductionKeysUseCost12(t *testing.T) {
	s := startSystemWith(t, func(c *app.Config) { c.BcryptCost = 0 })
	u := s.must(201, "POST", "/v1/users", testAdminKey, map[string]any{"email": "cost@example.com", "name": "Cost"})
	var hash []byte
	err := s.svc.DB.Pool.QueryRow(context.Background(),
		`SELECT hash FROM api_keys WHERE user_id = $1`, u.str("id")).Scan(&hash)
	if err != nil {
		t.Fatal(err)
	}
	cost, err := bcrypt.Cost(hash)
	if err != nil || cost != 12 {
		t.Fatalf("stored key hash cost = %d (%v), want 12", cost, err)
	}
}
