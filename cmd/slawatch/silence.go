package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/store"
)

// silences is what the silence commands need: a running server's API, or
// the store itself.
type silences interface {
	add(ctx context.Context, req httpapi.SilenceRequest) (httpapi.SilenceView, error)
	list(ctx context.Context) ([]httpapi.SilenceView, error)
	expire(ctx context.Context, id string) (httpapi.SilenceView, error)
}

// silenceCmd runs `silence add|list|expire`.
func silenceCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: silence: want add, list or expire", errUsage)
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "add":
		return silenceAdd(ctx, rest, stdout)
	case "list", "ls":
		return silenceList(ctx, rest, stdout)
	case "expire":
		return silenceExpire(ctx, rest, stdout)
	default:
		if isHelp(sub) {
			printUsage(stdout, "silence", nil)
			return errHelp
		}
		return fmt.Errorf("%w: silence: unknown subcommand %q: want add, list or expire", errUsage, sub)
	}
}

// target holds the flags that choose where silences live.
type target struct {
	server, storeKind, endpoint, table, config *string
}

func targetFlags(fs *flag.FlagSet) target {
	return target{
		server:    fs.String("url", "http://"+envOr("SLAWATCH_ADDR", "127.0.0.1:8080"), "a running slawatch server to ask"),
		storeKind: fs.String("store", "", "use the store directly instead: dynamodb"),
		endpoint:  fs.String("dynamodb-endpoint", os.Getenv("SLAWATCH_DYNAMODB_ENDPOINT"), "DynamoDB endpoint (env SLAWATCH_DYNAMODB_ENDPOINT); empty: AWS"),
		table:     fs.String("table", envOr("SLAWATCH_TABLE", "slawatch"), "DynamoDB table (env SLAWATCH_TABLE)"),
		config:    fs.String("config", os.Getenv("SLAWATCH_CONFIG"), "with --store: the configuration whose alerts.silences.max_duration applies"),
	}
}

func (tg target) open(ctx context.Context, cmd string) (silences, error) {
	switch *tg.storeKind {
	case "":
		return &apiSilences{server: strings.TrimRight(*tg.server, "/")}, nil
	case "dynamodb":
		cfg, _, err := loadConfig(*tg.config)
		if err != nil {
			return nil, err
		}
		st, err := openStore(ctx, "dynamodb", *tg.endpoint, *tg.table, false)
		if err != nil {
			return nil, err
		}
		return &storeSilences{st: st, now: time.Now, max: cfg.Alerts.SilenceMaxDuration}, nil
	}
	return nil, fmt.Errorf("%w: %s: --store %q: want dynamodb (or --url for a running server)", errUsage, cmd, *tg.storeKind)
}

// silenceFlags names the flag of each field a refusal may name.
var silenceFlags = map[string]string{"match": "--match", "starts": "--from", "ends": "--until", "reason": "--reason", "created_by": "--by"}

func silenceAdd(ctx context.Context, args []string, stdout io.Writer) error {
	const cmd = "silence add"
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	match := fs.String("match", "", "what to silence: key=value,... with keys "+strings.Join(silence.Keys(), ", ")+" (required)")
	from := fs.String("from", "", "start, RFC 3339 (default: now)")
	until := fs.String("until", "", "end, RFC 3339, e.g. 2026-12-24T18:00:00Z (this or --for is required)")
	dur := fs.Duration("for", 0, "end this long after the start, e.g. 4h (instead of --until)")
	reason := fs.String("reason", "", "why (required)")
	by := fs.String("by", os.Getenv("USER"), "who is silencing (env USER)")
	tg := targetFlags(fs)
	if err := parseFlags(fs, cmd, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, cmd, fs.Arg(0))
	case *until != "" && *dur != 0:
		return fmt.Errorf("%w: %s: --until and --for: give one end", errUsage, cmd)
	case *until == "" && *dur == 0:
		return fmt.Errorf("%w: %s: --until: required (or --for): a silence without an end is refused", errUsage, cmd)
	case *dur < 0:
		return fmt.Errorf("%w: %s: --for must be positive", errUsage, cmd)
	}
	// Checked here as the server would, so that mistakes name the flag
	// before anything is sent.
	endFlag := "--until"
	if *dur > 0 {
		endFlag = "--for"
	}
	m, err := silence.Parse(*match)
	if err != nil {
		return silenceFlagError(cmd, endFlag, err)
	}
	req := httpapi.SilenceRequest{Starts: *from, Ends: *until, Reason: *reason, CreatedBy: *by}
	if req.Match, err = json.Marshal(m); err != nil {
		return err
	}
	if *dur > 0 {
		start := time.Now()
		if *from != "" {
			if start, err = time.Parse(time.RFC3339, *from); err != nil {
				return fmt.Errorf("%w: %s: --from: want an RFC 3339 time such as 2026-12-24T09:00:00Z, got %q", errUsage, cmd, *from)
			}
		}
		req.Ends = start.Add(*dur).UTC().Format(time.RFC3339)
	}
	s, err := tg.open(ctx, cmd)
	if err != nil {
		return err
	}
	v, err := s.add(ctx, req)
	if err != nil {
		return silenceFlagError(cmd, endFlag, err)
	}
	fmt.Fprintln(stdout, v.ID)
	return nil
}

// silenceFlagError turns a refused silence into a usage error naming the
// flag (the end's is endFlag: --until or --for); other errors are
// failures.
func silenceFlagError(cmd, endFlag string, err error) error {
	var se *silence.Error
	if errors.As(err, &se) {
		name, ok := silenceFlags[se.Field]
		if se.Field == "ends" {
			name = endFlag
		} else if !ok {
			name = se.Field
		}
		return fmt.Errorf("%w: %s: %s: %s", errUsage, cmd, name, se.Msg)
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

func silenceList(ctx context.Context, args []string, stdout io.Writer) error {
	const cmd = "silence list"
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	tg := targetFlags(fs)
	if err := parseFlags(fs, cmd, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, cmd, fs.Arg(0))
	}
	s, err := tg.open(ctx, cmd)
	if err != nil {
		return err
	}
	vs, err := s.list(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"silences": vs})
	}
	return printSilences(stdout, vs)
}

func printSilences(w io.Writer, vs []httpapi.SilenceView) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "id\tmatch\tfrom\tuntil\tstate\treason\n")
	for _, v := range vs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.MatchString(), v.Starts.UTC().Format(time.RFC3339),
			v.Ends.UTC().Format(time.RFC3339), v.State, v.Reason)
	}
	if len(vs) == 0 {
		fmt.Fprintln(tw, "(no silences)")
	}
	return tw.Flush()
}

func silenceExpire(ctx context.Context, args []string, stdout io.Writer) error {
	const cmd = "silence expire"
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	tg := targetFlags(fs)
	// The id may come before the flags too: silence expire ID --url ….
	var ids []string
	for {
		if err := parseFlags(fs, cmd, args, stdout); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		ids, args = append(ids, fs.Arg(0)), fs.Args()[1:]
	}
	if len(ids) != 1 {
		return fmt.Errorf("%w: %s needs one silence ID (got %d)", errUsage, cmd, len(ids))
	}
	if !silence.ValidID(ids[0]) {
		return fmt.Errorf("%w: %s: ID %q: want the 16 hex digits silence add printed", errUsage, cmd, ids[0])
	}
	s, err := tg.open(ctx, cmd)
	if err != nil {
		return err
	}
	v, err := s.expire(ctx, ids[0])
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	fmt.Fprintf(stdout, "%s expired at %s\n", v.ID, v.ExpiredAt.UTC().Format(time.RFC3339))
	return nil
}

// apiSilences talks to a running server's /api/silences.
type apiSilences struct{ server string }

func (a *apiSilences) do(ctx context.Context, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u := a.server + path
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := send(req)
	if err != nil {
		return fmt.Errorf("is slawatch serve running? %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	if resp.StatusCode != want {
		var e struct{ Error, Parameter string }
		_ = json.Unmarshal(b, &e)
		switch {
		case resp.StatusCode == http.StatusBadRequest && e.Parameter != "":
			return &silence.Error{Field: e.Parameter, Msg: strings.TrimPrefix(e.Error, e.Parameter+": ")}
		case resp.StatusCode == http.StatusNotFound && e.Error != "":
			return fmt.Errorf("%s: %w", e.Error, store.ErrNotFound)
		case resp.StatusCode == http.StatusNotImplemented:
			return fmt.Errorf("%s %s: the server keeps no silences (%s)", method, u, e.Error)
		}
		return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, strings.TrimSpace(string(b)))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	return nil
}

func (a *apiSilences) add(ctx context.Context, req httpapi.SilenceRequest) (httpapi.SilenceView, error) {
	var v httpapi.SilenceView
	return v, a.do(ctx, http.MethodPost, "/api/silences", req, http.StatusCreated, &v)
}

func (a *apiSilences) list(ctx context.Context) ([]httpapi.SilenceView, error) {
	var out struct {
		Silences []httpapi.SilenceView `json:"silences"`
	}
	return out.Silences, a.do(ctx, http.MethodGet, "/api/silences", nil, http.StatusOK, &out)
}

func (a *apiSilences) expire(ctx context.Context, id string) (httpapi.SilenceView, error) {
	var v httpapi.SilenceView
	return v, a.do(ctx, http.MethodPost, "/api/silences/"+url.PathEscape(id)+"/expire", nil, http.StatusOK, &v)
}

// storeSilences works on the store directly, with the limit of the
// configuration given.
type storeSilences struct {
	st  store.Silences
	now func() time.Time
	max time.Duration
}

func (s *storeSilences) add(ctx context.Context, req httpapi.SilenceRequest) (httpapi.SilenceView, error) {
	var m map[string]string
	if err := json.Unmarshal(req.Match, &m); err != nil {
		return httpapi.SilenceView{}, err
	}
	var starts, ends time.Time
	var err error
	for _, p := range []struct {
		field, s string
		t        *time.Time
	}{{"starts", req.Starts, &starts}, {"ends", req.Ends, &ends}} {
		if p.s == "" {
			continue
		}
		if *p.t, err = time.Parse(time.RFC3339, p.s); err != nil {
			return httpapi.SilenceView{}, &silence.Error{Field: p.field, Msg: "want an RFC 3339 time such as 2026-12-24T18:00:00Z, got " + fmt.Sprintf("%q", p.s)}
		}
	}
	now := s.now()
	sil, err := silence.New(m, starts, ends, req.Reason, req.CreatedBy, now, s.max)
	if err != nil {
		return httpapi.SilenceView{}, err
	}
	if err := s.st.PutSilence(ctx, sil); err != nil {
		return httpapi.SilenceView{}, err
	}
	return httpapi.SilenceView{Silence: sil, State: sil.StateAt(now)}, nil
}

func (s *storeSilences) list(ctx context.Context) ([]httpapi.SilenceView, error) {
	ss, err := s.st.Silences(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]httpapi.SilenceView, len(ss))
	for i, sil := range ss {
		out[i] = httpapi.SilenceView{Silence: sil, State: sil.StateAt(now)}
	}
	return out, nil
}

func (s *storeSilences) expire(ctx context.Context, id string) (httpapi.SilenceView, error) {
	sil, err := s.st.ExpireSilence(ctx, id, s.now())
	if err != nil {
		return httpapi.SilenceView{}, err
	}
	return httpapi.SilenceView{Silence: sil, State: sil.StateAt(s.now())}, nil
}
