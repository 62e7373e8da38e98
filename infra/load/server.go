package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
)

// configYAML is the configuration the server runs with and the model
// replays with: one source per helpdesk and policies with the targets
// support teams set — an hour on real-time channels, minutes for urgent
// chats, business hours for email and web.
const configYAML = `# Written by infra/load: the load test's slawatch configuration.
calendars:
  support:
    timezone: Europe/Berlin
    hours:
      mon: ["08:00-18:00"]
      tue: ["08:00-18:00"]
      wed: ["08:00-18:00"]
      thu: ["08:00-18:00"]
      fri: ["08:00-17:00"]
    holidays: ["2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31", "2027-01-01"]

sources:
  zendesk: {provider: zendesk}
  freshdesk: {provider: freshdesk}
  intercom: {provider: intercom}
  helpscout: {provider: helpscout}
  front: {provider: front}
  jira: {provider: jira}
  hubspot: {provider: hubspot}
  github: {provider: github}
  generic: {provider: generic}

policies:
  - name: urgent-realtime
    match: {priority: urgent, channel: [chat, messaging, social, sms, phone]}
    first_response: {within: 15m}
    next_reply: {within: 15m}
    warnings: ["50%"]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 15m, notify: support-lead}
  - name: urgent
    match: {priority: urgent}
    first_response: {within: 1h}
    next_reply: {within: 2h}
    warnings: ["25%"]
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 30m, notify: support-lead}
  - name: vip
    match: {tags: [vip]}
    first_response: {within: 2h}
    next_reply: {within: 4h}
    warnings: ["25%"]
    escalation:
      - {after: 0s, notify: account-manager}
  - name: realtime
    match: {channel: [chat, messaging, social, sms, phone]}
    first_response: {within: 1h}
    next_reply: {within: 1h}
    warnings: ["25%"]
    escalation:
      - {after: 0s, notify: on-call}
  - name: high
    match: {priority: high}
    calendar: support
    first_response: {within: 4h, clock: business}
    next_reply: {within: 8h, clock: business}
    warnings: [1h]
    escalation:
      - {after: 0s, notify: support-lead}
  - name: standard
    calendar: support
    first_response: {within: 8h, clock: business}
    next_reply: {within: 24h}
    warnings: [2h]
    quiet_hours: true
    escalation:
      - {after: 0s, notify: on-call}
      - {after: 4h, notify: support-lead}
`

// secrets makes a fresh random secret for every source (Help Scout allows
// at most 40 characters).
func secrets(cfg *policy.Config) (bySource map[string][]byte, env []string) {
	bySource = map[string][]byte{}
	for name, src := range cfg.Sources {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // never fails
		s := hex.EncodeToString(b)
		bySource[name] = []byte(s)
		env = append(env, src.SecretEnv+"="+s)
	}
	return bySource, env
}

// build compiles slawatch into dir.
func build(ctx context.Context, root, dir string) (string, error) {
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	bin := filepath.Join(dir, "slawatch")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", bin, "./cmd/slawatch")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build slawatch: %v\n%s", err, out)
	}
	return bin, nil
}

// server is a `slawatch serve` subprocess.
type server struct {
	cmd  *exec.Cmd
	addr string
	done chan error

	mu    sync.Mutex
	warns int
	errs  int
	last  []string // the last error lines
	// warnKinds are the distinct warnings (their messages without times).
	warnKinds []string
	// alerts and acks count how often each alert (by id) and each
	// ticket's acknowledgement was sent: more than once is a duplicate
	// page or message.
	alerts, acks map[string]int
	output       int // lines on stdout: console alerts and acknowledgements
}

// startServer runs bin serve on a free loopback port with the store
// arguments given, and waits until it listens.
func startServer(ctx context.Context, bin, config string, storeArgs []string, env []string) (*server, error) {
	args := append([]string{"serve", "--config", config, "--addr", "127.0.0.1:0"}, storeArgs...)
	cmd := exec.Command(bin, args...)
	// Nothing from the caller's SLAWATCH_ variables (topics, store,
	// address) leaks into the server: it runs on what is given here.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLAWATCH_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start slawatch: %w", err)
	}
	s := &server{cmd: cmd, done: make(chan error, 1), alerts: map[string]int{}, acks: map[string]int{}}
	addr := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.readLogs(stderr, addr)
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.output++
			s.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		wg.Wait() // the pipes must be read to the end before Wait
		s.done <- cmd.Wait()
	}()
	select {
	case s.addr = <-addr:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("slawatch serve exited before listening: %v; %s", err, strings.Join(s.lastErrors(), " | "))
	case <-time.After(60 * time.Second):
		s.stop()
		return nil, errors.New("slawatch serve did not report its address within a minute")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

var addrRE = regexp.MustCompile(`msg="slawatch serving".* addr=(127\.0\.0\.1:\d+)`)

func (s *server) readLogs(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := addrRE.FindStringSubmatch(line); m != nil {
			select {
			case addr <- m[1]:
			default:
			}
		}
		s.mu.Lock()
		switch {
		case strings.Contains(line, `msg="alert sent"`):
			s.alerts[attr(line, "alert")]++
		case strings.Contains(line, `msg="acknowledgement sent"`):
			s.acks[attr(line, "source")+"/"+attr(line, "ticket")]++
		case strings.Contains(line, "level=WARN"), strings.HasPrefix(line, "SDK ") && strings.Contains(line, " WARN "):
			s.warns++
			if w := warning(line); !slices.Contains(s.warnKinds, w) && len(s.warnKinds) < 5 {
				s.warnKinds = append(s.warnKinds, w)
			}
		case strings.Contains(line, "level=ERROR"):
			s.errs++
			if len(s.last) == 5 {
				s.last = s.last[1:]
			}
			if len(line) > 400 {
				line = line[:400] + "…"
			}
			s.last = append(s.last, line)
		case !strings.Contains(line, "level="): // a panic or a fatal message
			if len(s.last) == 5 {
				s.last = s.last[1:]
			}
			s.last = append(s.last, line)
		}
		s.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// attr returns the value of key in a slog text line.
func attr(line, key string) string {
	_, v, ok := strings.Cut(line, " "+key+"=")
	if !ok {
		return ""
	}
	if strings.HasPrefix(v, `"`) {
		if q, err := strconv.QuotedPrefix(v); err == nil {
			u, _ := strconv.Unquote(q)
			return u
		}
	}
	v, _, _ = strings.Cut(v, " ")
	return v
}

// twice counts the keys seen more than once, and all keys.
func twice(m map[string]int) (dup, all int) {
	for _, n := range m {
		all++
		if n > 1 {
			dup++
		}
	}
	return dup, all
}

// warning is a warning line without its time, so that repeats compare
// equal.
func warning(line string) string {
	if _, rest, ok := strings.Cut(line, `msg="`); ok {
		msg, _, _ := strings.Cut(rest, `"`)
		return msg
	}
	if _, rest, ok := strings.Cut(line, " WARN "); ok { // the AWS SDK's own logger
		return "SDK: " + rest
	}
	return line
}

func (s *server) lastErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.last...)
}

// stop interrupts the server, as Ctrl-C does, and kills it if it has not
// stopped within 15 s.
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-s.done:
		return err
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("slawatch serve did not stop within 15 s of an interrupt: killed; %v", <-s.done)
	}
}
