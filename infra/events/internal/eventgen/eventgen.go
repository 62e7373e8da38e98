// Package eventgen builds the sample events under infra/events for
// `sam local invoke`: each template's helpdesk request, signed with that
// helpdesk's real scheme and the local secret from env.json, wrapped the way
// API Gateway HTTP API (payload format 2.0) hands it to the Webhook function.
//
// The output depends only on the templates, the secrets and the time it is
// given: keys are sorted, and ids that would be random in AWS (request id,
// trace id) are derived from the file name.
package eventgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// The API Gateway the events pretend to come through. The ids are fake;
// HubSpot signs the URL, so DomainName is part of its signature.
const (
	APIID      = "slawatch00"
	Region     = "us-east-1"
	AccountID  = "123456789012"
	DomainName = APIID + ".execute-api." + Region + ".amazonaws.com"
	RouteKey   = "POST /webhooks/{source}"
)

// FreshdeskUser is the Basic-auth user name the Freshdesk set-up guide
// tells admins to type; slawatch ignores it.
const FreshdeskUser = providertest.FreshdeskUser

// Template is one unsigned helpdesk request (infra/events/templates/*.json).
type Template struct {
	Source   string            `json:"source"`   // the slawatch source it is posted to
	Fixture  string            `json:"fixture"`  // where the body was taken from
	SourceIP string            `json:"sourceIp"` // the sender's address as API Gateway sees it
	Headers  map[string]string `json:"headers"`  // what the helpdesk sends besides its signature
	Body     json.RawMessage   `json:"body"`     // sent compacted, as helpdesks send JSON
}

// Options say what to build.
type Options struct {
	// Templates holds the *.json templates; each becomes the event file of
	// the same name.
	Templates fs.FS
	// Secrets maps environment variable names to values: the Webhook
	// section of env.json.
	Secrets map[string]string
	// Config names each source's provider and secret variable;
	// policy.Default() when nil.
	Config *policy.Config
	// Now is the request time for the named event file; it is truncated to
	// the millisecond, the precision of requestContext.timeEpoch.
	Now func(name string) time.Time
}

// File is one generated event.
type File struct {
	Name     string // e.g. zendesk-created.json
	Source   string
	Provider string
	SignedAt time.Time
	Data     []byte
}

// Build renders every template, in name order.
func Build(opts Options) ([]File, error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = policy.Default()
	}
	if opts.Templates == nil || opts.Now == nil {
		return nil, errors.New("eventgen: Templates and Now are required")
	}
	names, err := fs.Glob(opts.Templates, "*.json")
	if err != nil {
		return nil, fmt.Errorf("eventgen: list templates: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("eventgen: no templates")
	}
	sort.Strings(names)
	out := make([]File, 0, len(names))
	for _, name := range names {
		f, err := build(opts, cfg, name)
		if err != nil {
			return nil, fmt.Errorf("eventgen: %s: %w", name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func build(opts Options, cfg *policy.Config, name string) (File, error) {
	raw, err := fs.ReadFile(opts.Templates, name)
	if err != nil {
		return File{}, err
	}
	var t Template
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return File{}, fmt.Errorf("read template: %w", err)
	}
	src, ok := cfg.Sources[t.Source]
	if !ok {
		return File{}, fmt.Errorf("source %q is not in the configuration", t.Source)
	}
	if !strings.HasPrefix(name, t.Source+"-") {
		return File{}, fmt.Errorf("file name must start with the source name %q", t.Source+"-")
	}
	secret := opts.Secrets[src.SecretEnv]
	if secret == "" {
		return File{}, fmt.Errorf("env.json Webhook.SLAWATCH_LOCAL_SECRETS has no %s", src.SecretEnv)
	}
	var body bytes.Buffer
	if err := json.Compact(&body, t.Body); err != nil {
		return File{}, fmt.Errorf("body: %w", err)
	}
	now := opts.Now(name).UTC().Truncate(time.Millisecond)
	rawPath := "/webhooks/" + t.Source

	headers := map[string]string{}
	for k, v := range t.Headers {
		headers[k] = v
	}
	signed := provider.Request{Method: "POST", URL: "https://" + DomainName + rawPath, Header: http.Header{}, Body: body.Bytes()}
	if err := providertest.Sign(src.Provider, []byte(secret), &signed, now); err != nil {
		return File{}, err
	}
	for k := range signed.Header {
		headers[k] = signed.Header.Get(k)
	}
	// API Gateway's own headers; the sender's win where both exist.
	id := sha256.Sum256([]byte(name))
	for k, v := range map[string]string{
		"Content-Length":    strconv.Itoa(body.Len()),
		"Host":              DomainName,
		"X-Amzn-Trace-Id":   fmt.Sprintf("Root=1-%08x-%x", now.Unix(), id[11:23]),
		"X-Forwarded-For":   t.SourceIP,
		"X-Forwarded-Port":  "443",
		"X-Forwarded-Proto": "https",
	} {
		if _, ok := headers[k]; !ok {
			headers[k] = v
		}
	}
	// HTTP API lower-cases header names.
	lower := map[string]string{}
	for k, v := range headers {
		lk := strings.ToLower(k)
		if _, dup := lower[lk]; dup {
			return File{}, fmt.Errorf("header %s given twice", lk)
		}
		lower[lk] = v
	}

	bodyField, b64 := body.String(), !isText(lower["content-type"])
	if b64 {
		bodyField = base64.StdEncoding.EncodeToString(body.Bytes())
	}
	event := map[string]any{
		"version":        "2.0",
		"routeKey":       RouteKey,
		"rawPath":        rawPath,
		"rawQueryString": "",
		"headers":        lower,
		"pathParameters": map[string]string{"source": t.Source},
		"requestContext": map[string]any{
			"accountId":    AccountID,
			"apiId":        APIID,
			"domainName":   DomainName,
			"domainPrefix": APIID,
			"http": map[string]string{
				"method":    "POST",
				"path":      rawPath,
				"protocol":  "HTTP/1.1",
				"sourceIp":  t.SourceIP,
				"userAgent": lower["user-agent"],
			},
			"requestId": base64.URLEncoding.EncodeToString(id[:11]),
			"routeKey":  RouteKey,
			"stage":     "$default",
			"time":      now.Format("02/Jan/2006:15:04:05 +0000"),
			"timeEpoch": now.UnixMilli(),
		},
		"body":            bodyField,
		"isBase64Encoded": b64,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(event); err != nil {
		return File{}, err
	}
	return File{Name: name, Source: t.Source, Provider: src.Provider, SignedAt: now, Data: buf.Bytes()}, nil
}

// TimeLimited lists the providers whose signature covers a timestamp that
// slawatch refuses once it is older than the source's window.
var TimeLimited = providertest.TimeLimited

// isText reports whether HTTP API passes a body of this content type as
// text; it base64-encodes every other body (a missing type included).
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "application/json", mt == "application/xml", mt == "application/javascript":
		return true
	}
	return false
}

// ReadEnv reads a `sam local invoke --env-vars` file: function logical id
// → variable → value.
func ReadEnv(file string) (map[string]map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("eventgen: %w", err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("eventgen: %s: %w", file, err)
	}
	return env, nil
}

// Write writes f into dir atomically: a reader sees the old file or the
// new one, never a part.
func Write(dir string, f File) error {
	if f.Name != path.Base(f.Name) {
		return fmt.Errorf("eventgen: bad file name %q", f.Name)
	}
	tmp, err := os.CreateTemp(dir, "."+f.Name+".*.tmp")
	if err != nil {
		return fmt.Errorf("eventgen: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(f.Data); err != nil {
		tmp.Close()
		return fmt.Errorf("eventgen: write %s: %w", f.Name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("eventgen: write %s: %w", f.Name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("eventgen: write %s: %w", f.Name, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("eventgen: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, f.Name)); err != nil {
		return fmt.Errorf("eventgen: %w", err)
	}
	return nil
}

// Generate builds the events from dir/templates and the Webhook secrets of
// dir/env.json and writes them to out.
func Generate(dir, out string, now func(name string) time.Time) ([]File, error) {
	env, err := ReadEnv(filepath.Join(dir, "env.json"))
	if err != nil {
		return nil, err
	}
	// The secrets are the Webhook section's SLAWATCH_LOCAL_SECRETS, the
	// JSON object the function reads in place of Secrets Manager.
	var secrets map[string]string
	if err := json.Unmarshal([]byte(env["Webhook"]["SLAWATCH_LOCAL_SECRETS"]), &secrets); err != nil {
		return nil, fmt.Errorf("eventgen: env.json Webhook.SLAWATCH_LOCAL_SECRETS: %w", err)
	}
	files, err := Build(Options{Templates: os.DirFS(filepath.Join(dir, "templates")), Secrets: secrets, Now: now})
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := Write(out, f); err != nil {
			return nil, err
		}
	}
	return files, nil
}
