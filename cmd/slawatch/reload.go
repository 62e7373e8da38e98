package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/slawatch/slawatch/shared/ack"
	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/reconfig"
)

// wired is the server's parts built on one configuration.
type wired struct {
	cfg      *policy.Config
	handler  http.Handler
	checker  *checker.Checker
	notifier notify.Notifier
}

// reloader serves with the current wiring and, on SIGHUP, reads the
// configuration file again: a valid one replaces the wiring at once (a
// request is served wholly by one configuration, and so is a checker run)
// and the open tickets are retargeted to it; an invalid one is refused
// whole, logged and alerted (sla.config_refused), and the old keeps
// running.
type reloader struct {
	path    string
	build   func(*policy.Config, ack.Templates) (*wired, error)
	tickets ticketStore
	log     *slog.Logger
	live    *wired // the first; cur after run starts

	cur atomic.Pointer[wired]
	mu  sync.Mutex // one reload at a time
	// stop ends the running checker loop and waits for it.
	stop func()
}

func (rl *reloader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cur := rl.cur.Load()
	if cur == nil {
		cur = rl.live
	}
	cur.handler.ServeHTTP(w, r)
}

// run starts the checker, retargets the tickets stored under another
// configuration (a restart with a changed file), and reloads on each
// SIGHUP until ctx ends.
func (rl *reloader) run(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	rl.mu.Lock()
	rl.cur.Store(rl.live)
	rl.start(ctx, rl.live)
	rl.mu.Unlock()
	rl.retarget(ctx, nil, rl.live.cfg)
	for {
		select {
		case <-ctx.Done():
			rl.mu.Lock()
			rl.stop()
			rl.mu.Unlock()
			return
		case <-hup:
			rl.reload(ctx)
		}
	}
}

// start runs w's checker until the next reload or ctx's end.
func (rl *reloader) start(ctx context.Context, w *wired) {
	loopCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.checker.Loop(loopCtx)
	}()
	rl.stop = func() { cancel(); <-done }
}

// reload reads the file again and applies it, or refuses it.
func (rl *reloader) reload(ctx context.Context) {
	rl.mu.Lock()
	old := rl.cur.Load()
	next, err := rl.load()
	if err != nil {
		rl.mu.Unlock()
		rl.refuse(ctx, old, err)
		return
	}
	if next.cfg.Version() == old.cfg.Version() {
		rl.mu.Unlock()
		rl.log.Info("configuration reloaded: unchanged", "config_version", next.cfg.Version())
		return
	}
	// The old checker finishes its run first: no run mixes the two.
	rl.stop()
	rl.cur.Store(next)
	rl.start(ctx, next)
	rl.mu.Unlock()
	rl.log.Info("configuration applied", "from", old.cfg.Version(), "config_version", next.cfg.Version(), "policies", len(next.cfg.Policies))
	rl.retarget(ctx, old.cfg, next.cfg)
}

func (rl *reloader) load() (*wired, error) {
	cfg, templates, err := loadConfig(rl.path)
	if err != nil {
		return nil, err
	}
	return rl.build(cfg, templates)
}

// refuse logs and alerts a configuration that could not be applied.
func (rl *reloader) refuse(ctx context.Context, cur *wired, err error) {
	rl.log.Error("configuration refused: the previous one keeps running", "file", rl.path, "config_version", cur.cfg.Version(), "err", err)
	now := time.Now().UTC()
	sum := sha256.Sum256([]byte(err.Error()))
	a := notify.Alert{
		ID: "config/refused/" + hex.EncodeToString(sum[:8]), Kind: notify.KindConfigRefused, Severity: notify.SeverityOf(notify.KindConfigRefused),
		Source: rl.path, Team: policy.DefaultTeam, At: now, SentAt: now,
	}
	if err := cur.notifier.Notify(ctx, a); err != nil {
		rl.log.Error("configuration refused: alert not sent", "err", err)
	}
}

// retarget brings the open tickets to next (reconfig.Job); prev is the
// configuration they were settled under, nil when unknown.
func (rl *reloader) retarget(ctx context.Context, prev, next *policy.Config) {
	job := &reconfig.Job{Next: next, Tickets: rl.tickets, Clocks: rl.tickets, Docs: rl.tickets}
	if prev != nil {
		job.Prev = prev
	}
	var p reconfig.Progress
	for !p.Done {
		// A later reload supersedes this job: its own retargets the
		// tickets, and this one must not take them back.
		if cur := rl.cur.Load(); cur == nil || cur.cfg != next || ctx.Err() != nil {
			return
		}
		var err error
		if p, err = job.Step(ctx); err != nil {
			rl.log.Error("retargeting the open tickets", "config_version", next.Version(), "err", err)
			return
		}
	}
	if p.Retargeted > 0 {
		rl.log.Info("open tickets retargeted", "config_version", next.Version(), "tickets", p.Retargeted, "moved", p.Moved, "breach_at_once", p.AtOnce)
	}
}
