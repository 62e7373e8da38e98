package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/store"
)

// serve runs the local server: webhook intake, the ticket API and the
// deadline checker in one process, on the in-memory store.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	defAddr := os.Getenv("SLAWATCH_ADDR")
	if defAddr == "" {
		defAddr = "127.0.0.1:8080"
	}
	configPath := fs.String("config", os.Getenv("SLAWATCH_CONFIG"), "configuration file (default: the embedded default)")
	addr := fs.String("addr", defAddr, "listen address (env SLAWATCH_ADDR)")
	every := fs.Duration("check-every", 5*time.Second, "how often the deadline checker runs")
	storeKind := fs.String("store", "memory", "ticket store: memory")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: serve: %v", errUsage, err)
	}
	if *storeKind != "memory" {
		return fmt.Errorf("%w: --store %q: only memory is available", errUsage, *storeKind)
	}
	if *every <= 0 {
		return fmt.Errorf("%w: --check-every must be positive", errUsage)
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	for _, src := range cfg.Sources {
		if v, ok := os.LookupEnv(src.SecretEnv); (!ok || v == "") && !src.Insecure {
			log.Warn("source has no secret: it refuses every request", "source", src.Name, "env", src.SecretEnv)
		}
	}

	tickets := store.NewMemory()
	api := httpapi.New(cfg, tickets, os.LookupEnv, log)
	chk := &checker.Checker{Tickets: tickets, Notifier: notify.NewConsole(stdout), Now: time.Now, Log: log}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	go chk.Loop(ctx, *every)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("slawatch serving", "addr", ln.Addr().String(), "store", *storeKind, "policies", len(cfg.Policies), "check_every", every.String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
