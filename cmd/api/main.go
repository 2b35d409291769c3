// Command api serves Facturo's REST API. It needs DATABASE_URL and NATS_URL;
// any number of copies may run behind a load balancer.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/facturo/facturo/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

// Run wires the API process: configuration, services, listener, server.
func Run(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	cfg, err := app.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	if cfg.AdminKey == "" {
		return fmt.Errorf("FACTURO_ADMIN_KEY is not set: the operator key must be configured")
	}
	log := app.NewLogger(logOut, cfg)
	svc, err := app.Connect(ctx, cfg, log, "facturo-api")
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	return app.RunAPI(ctx, svc, ln)
}
