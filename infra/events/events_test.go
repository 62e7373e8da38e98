package events_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/slawatch/slawatch/infra/events/internal/eventgen"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/lambdaenv"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/builtin"
	"github.com/slawatch/slawatch/shared/store"
)

// sample is one committed webhook event file.
type sample struct {
	name  string
	req   events.APIGatewayV2HTTPRequest
	raw   []byte
	body  []byte // decoded
	at    time.Time
	src   policy.Source
	label string // what the file name says after "<source>-"
}

// functions are the logical ids env.json must configure.
var functions = []string{"Webhook", "Tickets", "Acknowledger", "Checker"}

func readEnv(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile("env.json")
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]map[string]string
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("env.json is not {function: {VAR: value}}: %v", err)
	}
	return env
}

func loadSamples(t *testing.T) []sample {
	t.Helper()
	cfg := policy.Default()
	var names []string
	for _, pat := range []string{"*-created.json", "*-reply.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("no *-created.json or *-reply.json events")
	}
	var out []sample
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s := sample{name: name, raw: raw}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s.req); err != nil {
			t.Fatalf("%s: not an API Gateway v2 HTTP event: %v", name, err)
		}
		source := s.req.PathParameters["source"]
		label, ok := strings.CutPrefix(strings.TrimSuffix(name, ".json"), source+"-")
		if source == "" || !ok {
			t.Fatalf("%s: pathParameters.source %q does not match the file name", name, source)
		}
		s.label = label
		if s.src, ok = cfg.Sources[source]; !ok {
			t.Fatalf("%s: source %q is not in the default configuration", name, source)
		}
		s.body = []byte(s.req.Body)
		if s.req.IsBase64Encoded {
			if s.body, err = base64.StdEncoding.DecodeString(s.req.Body); err != nil {
				t.Fatalf("%s: body: %v", name, err)
			}
		}
		s.at = time.UnixMilli(s.req.RequestContext.TimeEpoch).UTC()
		out = append(out, s)
	}
	return out
}

// newAPI is the Webhook function's handler on a fresh in-memory store, with
// env.json's Webhook section as its environment and the clock at the
// event's request time.
func newAPI(t *testing.T, at time.Time) *httpapi.API {
	t.Helper()
	secrets := localSecrets(t, readEnv(t)["Webhook"])
	lookup := func(name string) (string, bool) {
		v, ok := secrets[name]
		return v, ok
	}
	api := httpapi.New(policy.Default(), store.NewMemory(), lookup, slog.New(slog.DiscardHandler))
	api.Now = func() time.Time { return at }
	return api
}

func serve(t *testing.T, api *httpapi.API, req events.APIGatewayV2HTTPRequest) (int, map[string]any) {
	t.Helper()
	resp, err := httpapi.ServeAPIGateway(context.Background(), api.Handler(), req)
	if err != nil {
		t.Fatalf("ServeAPIGateway: %v", err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("response body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, body
}

// getTicket builds the GET /tickets/{source}/{id} event API Gateway would
// deliver.
func getTicket(s sample, id string) events.APIGatewayV2HTTPRequest {
	// rawPath as the client sent it: the id escaped (a GitHub id holds "/"
	// and "#"); http.path decoded.
	raw := "/tickets/" + s.req.PathParameters["source"] + "/" + url.PathEscape(id)
	p := "/tickets/" + s.req.PathParameters["source"] + "/" + id
	rc := s.req.RequestContext
	rc.RouteKey = "GET /tickets/{source}/{id+}"
	rc.HTTP = events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: p, Protocol: "HTTP/1.1", SourceIP: "198.51.100.99", UserAgent: "curl/8.5.0"}
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: rc.RouteKey, RawPath: raw,
		Headers:        map[string]string{"accept": "*/*", "host": rc.DomainName, "user-agent": "curl/8.5.0"},
		PathParameters: map[string]string{"source": s.req.PathParameters["source"], "id": id},
		RequestContext: rc,
	}
}

// ticketIDs asks the source's adapter which tickets the event is about.
func ticketIDs(t *testing.T, s sample, secret string) []string {
	t.Helper()
	h := http.Header{}
	for k, v := range s.req.Headers {
		h.Set(k, v)
	}
	res, err := builtin.Adapters()[s.src.Provider].Parse(
		provider.Request{Method: http.MethodPost, URL: "https://" + s.req.RequestContext.DomainName + s.req.RawPath, Header: h, Body: s.body},
		provider.Settings{Source: s.src.Name, Secret: []byte(secret), Now: func() time.Time { return s.at }})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	seen := map[string]bool{}
	var ids []string
	for _, e := range res.Events {
		if !seen[e.TicketID] {
			seen[e.TicketID] = true
			ids = append(ids, e.TicketID)
		}
	}
	return ids
}

// TestEventsApply feeds every event through the Webhook function's handler
// as the Lambda runtime would, then reads each ticket back through the GET
// route.
func TestEventsApply(t *testing.T) {
	env := readEnv(t)["Webhook"]
	for _, s := range loadSamples(t) {
		t.Run(s.name, func(t *testing.T) {
			api := newAPI(t, s.at)
			status, body := serve(t, api, s.req)
			if status != http.StatusOK {
				t.Fatalf("POST: %d %v, want 200", status, body)
			}
			if n, _ := body["applied"].(float64); n < 1 {
				t.Fatalf("POST: %v, want at least one applied event", body)
			}
			ids := ticketIDs(t, s, env[s.src.SecretEnv])
			if len(ids) == 0 {
				t.Fatal("the adapter finds no ticket in the event")
			}
			for _, id := range ids {
				status, got := serve(t, api, getTicket(s, id))
				if status != http.StatusOK || got["ticket_id"] != id || got["source"] != s.src.Name {
					t.Errorf("GET ticket %q: %d %v", id, status, got)
				}
			}
		})
	}
}

// TestTamperedBodiesAreRefused changes one byte of each body: every scheme
// that signs the body must refuse it. Freshdesk signs nothing (the secret
// is a Basic-auth password), so for it a wrong password is the tamper.
func TestTamperedBodiesAreRefused(t *testing.T) {
	for _, s := range loadSamples(t) {
		t.Run(s.name, func(t *testing.T) {
			req := s.req
			req.Headers = map[string]string{}
			for k, v := range s.req.Headers {
				req.Headers[k] = v
			}
			body := bytes.Clone(s.body)
			if s.src.Provider == "freshdesk" {
				req.Headers["authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte("slawatch:wrong-secret"))
			} else {
				body[len(body)/2] ^= 0x01
			}
			req.Body = string(body)
			if req.IsBase64Encoded {
				req.Body = base64.StdEncoding.EncodeToString(body)
			}
			status, resp := serve(t, newAPI(t, s.at), req)
			if status != http.StatusUnauthorized || resp["reason"] != "bad_signature" {
				t.Errorf("tampered request: %d %v, want 401 bad_signature", status, resp)
			}
		})
	}
}

// TestTimeLimitedSchemes replays every event ten minutes late: exactly the
// helpdesks whose signature covers a timestamp (the ones the README says
// to regenerate for) refuse it.
func TestTimeLimitedSchemes(t *testing.T) {
	for _, s := range loadSamples(t) {
		t.Run(s.name, func(t *testing.T) {
			status, resp := serve(t, newAPI(t, s.at.Add(10*time.Minute)), s.req)
			if slices.Contains(eventgen.TimeLimited, s.src.Provider) {
				if status != http.StatusUnauthorized || resp["reason"] != "stale_timestamp" {
					t.Errorf("%s 10 minutes late: %d %v, want 401 stale_timestamp", s.src.Provider, status, resp)
				}
			} else if status != http.StatusOK {
				t.Errorf("%s signs no time, yet 10 minutes late: %d %v", s.src.Provider, status, resp)
			}
		})
	}
}

// TestEventsLookLikeAPIGateway checks what API Gateway HTTP API would have
// set: the route, the path, lower-case headers, the body encoding.
func TestEventsLookLikeAPIGateway(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range loadSamples(t) {
		r, rc := s.req, s.req.RequestContext
		source := r.PathParameters["source"]
		if s.label == "created" {
			seen[source] = true
		}
		want := "/webhooks/" + source
		if r.Version != "2.0" || r.RouteKey != "POST /webhooks/{source}" || rc.RouteKey != r.RouteKey ||
			r.RawPath != want || rc.HTTP.Path != want || rc.HTTP.Method != http.MethodPost {
			t.Errorf("%s: version %q route %q/%q rawPath %q path %q method %q", s.name, r.Version, r.RouteKey, rc.RouteKey, r.RawPath, rc.HTTP.Path, rc.HTTP.Method)
		}
		if rc.RequestID == "" || rc.HTTP.SourceIP == "" || rc.TimeEpoch == 0 || rc.DomainName == "" ||
			rc.Time != s.at.Format("02/Jan/2006:15:04:05 +0000") {
			t.Errorf("%s: requestContext incomplete: %+v", s.name, rc)
		}
		for k := range r.Headers {
			if k != strings.ToLower(k) {
				t.Errorf("%s: header %q: HTTP API lower-cases header names", s.name, k)
			}
		}
		if r.Headers["host"] != rc.DomainName || r.Headers["x-forwarded-for"] != rc.HTTP.SourceIP {
			t.Errorf("%s: host/x-forwarded-for disagree with requestContext", s.name)
		}
		if r.Headers["content-length"] != strconv.Itoa(len(s.body)) {
			t.Errorf("%s: content-length %q, body is %d bytes", s.name, r.Headers["content-length"], len(s.body))
		}
		if !strings.HasPrefix(r.Headers["content-type"], "application/json") || r.IsBase64Encoded {
			t.Errorf("%s: a JSON body arrives as text (isBase64Encoded false)", s.name)
		}
		if !json.Valid(s.body) {
			t.Errorf("%s: body is not JSON", s.name)
		}
	}
	for name := range policy.Default().Sources {
		if !seen[name] {
			t.Errorf("no %s-created.json for source %s", name, name)
		}
	}
}

// localSecrets decodes the Webhook section's SLAWATCH_LOCAL_SECRETS.
func localSecrets(t *testing.T, vars map[string]string) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(vars[lambdaenv.EnvLocalSecrets]), &m); err != nil {
		t.Fatalf("env.json Webhook.%s is not a JSON object of secrets: %v", lambdaenv.EnvLocalSecrets, err)
	}
	return m
}

// TestEnvFile checks env.json: the four functions, each with its table;
// secrets in SLAWATCH_LOCAL_SECRETS (no Secrets Manager ARN), for every
// source of the default configuration; every other SLAWATCH_ variable one
// that lambdaenv reads.
func TestEnvFile(t *testing.T) {
	env := readEnv(t)
	for _, fn := range functions {
		if env[fn][lambdaenv.EnvTable] == "" {
			t.Errorf("env.json %s has no %s", fn, lambdaenv.EnvTable)
		}
	}
	for fn := range env {
		if !slices.Contains(functions, fn) {
			t.Errorf("env.json section %q is not a function of the template", fn)
		}
	}
	secrets := localSecrets(t, env["Webhook"])
	for _, src := range policy.Default().Sources {
		if v := secrets[src.SecretEnv]; !strings.HasPrefix(v, "local-") {
			t.Errorf("env.json Webhook's %s has %s = %q for source %s; want an obviously fake local- value",
				lambdaenv.EnvLocalSecrets, src.SecretEnv, v, src.Name)
		}
	}
	known := []string{lambdaenv.EnvTable, lambdaenv.EnvAlertTopic, lambdaenv.EnvAckTopic, lambdaenv.EnvObserveQueue,
		lambdaenv.EnvConfigParameter, lambdaenv.EnvConfigFile, lambdaenv.EnvLocalSecrets}
	for fn, vars := range env {
		if _, ok := vars[lambdaenv.EnvSecretsARN]; ok {
			t.Errorf("env.json %s sets %s: locally the secrets are plain variables", fn, lambdaenv.EnvSecretsARN)
		}
		for name, v := range vars {
			switch {
			case strings.HasSuffix(name, "_SECRET"):
				t.Errorf("env.json %s.%s: secrets go in %s (the template declares only that)", fn, name, lambdaenv.EnvLocalSecrets)
			case strings.HasPrefix(name, "SLAWATCH_") && !slices.Contains(known, name):
				t.Errorf("env.json %s.%s: no function reads it", fn, name)
			case strings.HasPrefix(name, "AWS_ENDPOINT_URL_") && !strings.HasPrefix(v, "http://host.docker.internal:"):
				t.Errorf("env.json %s.%s = %q: the function runs in Docker; point it at host.docker.internal", fn, name, v)
			}
		}
	}
}

// TestGeneratorReproducesCommittedFiles regenerates every event into a
// temporary directory at each committed file's own request time: the
// result must be byte for byte what is committed.
func TestGeneratorReproducesCommittedFiles(t *testing.T) {
	committed := map[string]sample{}
	for _, s := range loadSamples(t) {
		committed[s.name] = s
	}
	out := t.TempDir()
	files, err := eventgen.Generate(".", out, func(name string) time.Time {
		s, ok := committed[name]
		if !ok {
			t.Errorf("template %s has no committed event: run go run ./infra/events/gen", name)
			return time.Unix(0, 0)
		}
		return s.at
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(committed) {
		t.Errorf("generated %d events, %d are committed", len(files), len(committed))
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(out, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if want := committed[f.Name].raw; !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator writes: run go run ./infra/events/gen", f.Name)
		}
	}
	left, _ := filepath.Glob(filepath.Join(out, ".*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestScheduleEvent: schedule.json is what the Checker's EventBridge
// schedule rule (rate(1 minute)) hands it.
func TestScheduleEvent(t *testing.T) {
	b, err := os.ReadFile("schedule.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("schedule.json is not an EventBridge event: %v", err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || ev.Version != "0" || ev.ID == "" ||
		ev.Time.IsZero() || len(ev.Resources) != 1 || !strings.HasPrefix(ev.Resources[0], "arn:aws:events:"+ev.Region+":"+ev.AccountID+":rule/") {
		t.Errorf("schedule.json: %+v", ev)
	}
	if strings.TrimSpace(string(ev.Detail)) != "{}" {
		t.Errorf("schedule.json detail = %s, want {}", ev.Detail)
	}
}
