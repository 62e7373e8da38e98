package httpapi_test

// The hostile-input suite: requests an attacker (or a broken sender) could
// post to POST /webhooks/{source}. Every case states the exact status, the
// JSON error's reason or field, and that nothing reached the store: no
// ticket the payload names exists afterwards under any source, and the
// store's Update was never called. The few cases marked as controls are
// accepted on purpose; they show where the boundary is.
//
// Every case runs through the net/http server, the API Gateway adapter with
// a text body, and the API Gateway adapter with a base64 body, and must come
// out the same. Only request framing (a lying Content-Length, CL and TE
// together) cannot be expressed as an API Gateway event — the gateway
// de-frames the body — and is tested over raw TCP in TestHostileFraming.
//
// Every case runs on the in-memory store and, when `make test` provides
// DynamoDB Local (SLAWATCH_TEST_DYNAMODB_ENDPOINT), on the DynamoDB store
// too, each case on a fresh table: DynamoDB refuses what memory accepts (a
// key over 2,048 bytes), so only it shows whether a request the suite
// expects to be refused would otherwise have failed with a 500. On DynamoDB
// the cases run through net/http only: the transports differ before the
// store, not in it.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/freshdesk"
	"github.com/slawatch/slawatch/shared/provider/front"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/provider/github"
	"github.com/slawatch/slawatch/shared/provider/helpscout"
	"github.com/slawatch/slawatch/shared/provider/hubspot"
	"github.com/slawatch/slawatch/shared/provider/intercom"
	"github.com/slawatch/slawatch/shared/provider/jira"
	"github.com/slawatch/slawatch/shared/provider/zendesk"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// hostileConfig has two sources per provider: "<p>" with the secret the
// end-to-end tests use and "<p>-b" with another one, for cross-source
// replays. HubSpot signs the URL, so its sources pin it: both transports
// then sign and verify the same string.
const hostileConfig = `
sources:
  generic: {provider: generic}
  generic-b: {provider: generic}
  zendesk: {provider: zendesk}
  zendesk-b: {provider: zendesk}
  freshdesk: {provider: freshdesk}
  freshdesk-b: {provider: freshdesk}
  intercom: {provider: intercom}
  intercom-b: {provider: intercom}
  helpscout: {provider: helpscout}
  helpscout-b: {provider: helpscout}
  front: {provider: front}
  front-b: {provider: front}
  jira: {provider: jira}
  jira-b: {provider: jira}
  hubspot: {provider: hubspot, url: "https://hooks.example.test/webhooks/hubspot"}
  hubspot-b: {provider: hubspot, url: "https://hooks.example.test/webhooks/hubspot-b"}
  github: {provider: github}
  github-b: {provider: github}
  # The longest source name the configuration accepts (64 bytes): with it,
  # ids at event.MaxIDBytes make the longest keys the store writes.
  generic-longest-name-0123456789abcdefghijklmnopqrstuvwxyz-012345: {provider: generic}
policies:
  - name: all
    first_response: {within: 1h}
`

const hubspotBase = "https://hooks.example.test"

// limit is the production body limit, which the suite keeps.
const limit = httpapi.DefaultMaxBody

// secretFor is a source's secret: the one the end-to-end tests sign with
// for "<p>", a different one for "<p>-b".
func secretFor(source string) []byte {
	if strings.HasSuffix(source, "-b") {
		return []byte("other-secret-for-" + source)
	}
	switch source {
	case "zendesk":
		return []byte(zendeskSecret)
	case "freshdesk":
		return []byte(freshdeskSecret)
	case "intercom":
		return []byte(intercomSecret)
	case "helpscout":
		return []byte(helpscoutSecret)
	}
	return []byte(secret)
}

// countingTickets is a store with every Update counted: a refused request
// must not reach the store at all, not even with an update that would write
// nothing.
type countingTickets struct {
	store.Tickets
	updates atomic.Int64
}

func (c *countingTickets) Update(ctx context.Context, k store.Key, eventID string, fn store.UpdateFunc) (sla.Ticket, error) {
	c.updates.Add(1)
	return c.Tickets.Update(ctx, k, eventID, fn)
}

// hostileStore makes the store a case runs on. open returns it with the
// function to call when the case is over, told whether the case called
// Update: a store nobody wrote to can serve the next case.
type hostileStore struct {
	name       string
	transports []transport
	open       func(tb testing.TB) (tickets store.Tickets, done func(written bool))
	// lookups: after a case that made no Update, still look up every
	// ticket it names under every source. On a table nothing was ever
	// written to they can only be absent, so DynamoDB skips them: they
	// were half the suite's time there.
	lookups bool
}

// hostileStores are the in-memory store and, with DynamoDB Local, the
// DynamoDB store.
func hostileStores() []hostileStore {
	stores := []hostileStore{{"memory", transports, func(testing.TB) (store.Tickets, func(bool)) { return store.NewMemory(), func(bool) {} }, true}}
	if os.Getenv(dynamoDBEndpointEnv) != "" {
		stores = append(stores, hostileStore{"dynamodb", transports[:1], freshDynamoDB, false})
	}
	return stores
}

// dynamoDBEndpointEnv names DynamoDB Local's endpoint, which `make test`
// sets (infra/local/dynamodb.sh).
const dynamoDBEndpointEnv = "SLAWATCH_TEST_DYNAMODB_ENDPOINT"

var (
	dynamoOnce   sync.Once
	dynamoClient *dynamodb.Client
	dynamoErr    error
	dynamoTables atomic.Int64
	// cleanTables are tables no case has written to. Most cases are
	// refused before the store, and creating a table for each would
	// double the suite's time on DynamoDB.
	cleanTables = make(chan string, 8)
)

// freshDynamoDB is the DynamoDB store on a table of DynamoDB Local that
// nothing was ever written to.
func freshDynamoDB(tb testing.TB) (store.Tickets, func(bool)) {
	tb.Helper()
	dynamoOnce.Do(func() {
		dynamoClient, dynamoErr = awsdefault.NewDynamoDBClient(context.Background(), os.Getenv(dynamoDBEndpointEnv), func(o *dynamodb.Options) {
			o.DisableValidateResponseChecksum = true // DynamoDB Local's responses draw checksum warnings
		})
	})
	if dynamoErr != nil {
		tb.Fatal(dynamoErr)
	}
	var table string
	select {
	case table = <-cleanTables:
	default:
		table = fmt.Sprintf("slawatch-hostile-%d-%d", time.Now().UnixNano(), dynamoTables.Add(1))
		if err := store.CreateTable(context.Background(), dynamoClient, table); err != nil {
			tb.Fatal(err)
		}
	}
	s, err := store.NewDynamoDB(dynamoClient, table, func() time.Time { return now })
	if err != nil {
		tb.Fatal(err)
	}
	return s, func(written bool) {
		if !written {
			select {
			case cleanTables <- table:
				return
			default:
			}
		}
		_, _ = dynamoClient.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table})
	}
}

type hostileAPI struct {
	handler http.Handler
	tickets *countingTickets
	sources []string
	lookups bool // see hostileStore
}

func newHostileAPI(tb testing.TB, tickets store.Tickets) *hostileAPI {
	tb.Helper()
	cfg, err := policy.Parse([]byte(hostileConfig))
	if err != nil {
		tb.Fatal(err)
	}
	secrets := map[string]string{}
	for name, src := range cfg.Sources {
		secrets[src.SecretEnv] = string(secretFor(name))
	}
	counting := &countingTickets{Tickets: tickets}
	api := httpapi.New(cfg, counting, func(n string) (string, bool) { v, ok := secrets[n]; return v, ok },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Now = func() time.Time { return now }
	// MaxBody stays 0: the production default is what is under test.
	return &hostileAPI{handler: api.Handler(), tickets: counting, sources: slices.Sorted(maps.Keys(cfg.Sources)), lookups: true}
}

// attack is one hostile request and what must come of it.
type attack struct {
	name    string
	method  string // POST when empty
	path    string // with any query string
	header  http.Header
	body    []byte
	chunked bool // sent without a Content-Length (net/http); the gateway de-chunks

	status   int
	reason   string // the JSON error's "reason" (every 401)
	field    string // the JSON error's "field" (checked exactly on every 400)
	errHas   string // a part of the JSON error's "error"
	allow    string // the Allow header (405)
	location string // the Location header (the mux's path-cleaning redirect)
	raw      bool   // the answer is not the handler's JSON (HEAD, redirect)
	// baseline, when set, is a body of the same size that is parsed to
	// its end and refused: the attack must be answered within a few times
	// its time, measured just before on the same handler. (A ratio, not a
	// wall-clock bound: the suite runs with -race on shared cores.)
	baseline *attack

	tickets []string // ticket ids the payload names: none may exist afterwards
	stores  bool     // a control: accepted and stored under the posted source
	after   func(t *testing.T, tickets store.Tickets)
	answer  func(t *testing.T, body map[string]any) // more checks of the JSON answer
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

type transport struct {
	name string
	do   func(t *testing.T, h http.Handler, c attack) reply
}

var transports = []transport{
	{"net-http", viaHTTP},
	{"apigw", viaGateway(false)},
	{"apigw-base64", viaGateway(true)},
}

func (c attack) verb() string {
	if c.method == "" {
		return http.MethodPost
	}
	return c.method
}

// noRedirects shows the handler's own answer rather than following it.
var noRedirects = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func viaHTTP(t *testing.T, h http.Handler, c attack) reply {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(c.verb(), srv.URL+c.path, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = c.header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if c.chunked {
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(c.body)), -1
		req.TransferEncoding = []string{"chunked"}
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// viaGateway builds the event API Gateway (payload 2.0) would: header names
// lower-cased, repeated headers joined with commas, the body as text or
// base64.
func viaGateway(b64 bool) func(t *testing.T, h http.Handler, c attack) reply {
	return func(t *testing.T, h http.Handler, c attack) reply {
		t.Helper()
		path, query, _ := strings.Cut(c.path, "?")
		req := events.APIGatewayV2HTTPRequest{RawPath: path, RawQueryString: query, Headers: map[string]string{}, Body: string(c.body)}
		for k, vs := range c.header {
			req.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
		}
		if b64 {
			req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(c.body), true
		}
		req.RequestContext.HTTP.Method = c.verb()
		req.RequestContext.HTTP.Path = path
		req.RequestContext.DomainName = "hooks.example.test"
		resp, err := httpapi.ServeAPIGateway(context.Background(), h, req)
		if err != nil {
			t.Fatal(err)
		}
		hdr := http.Header{}
		for k, v := range resp.Headers {
			hdr.Set(k, v)
		}
		return reply{resp.StatusCode, hdr, []byte(resp.Body)}
	}
}

func runAttacks(t *testing.T, cases []attack) {
	t.Helper()
	for _, st := range hostileStores() {
		t.Run(st.name, func(t *testing.T) {
			for _, tr := range st.transports {
				t.Run(tr.name, func(t *testing.T) {
					for _, c := range cases {
						t.Run(c.name, func(t *testing.T) { checkAttack(t, st, tr, c) })
					}
				})
			}
		})
	}
}

func checkAttack(t *testing.T, st hostileStore, tr transport, c attack) {
	t.Helper()
	tickets, done := st.open(t)
	api := newHostileAPI(t, tickets)
	api.lookups = st.lookups
	defer func() { done(api.tickets.updates.Load() > 0) }()
	var base time.Duration
	if c.baseline != nil {
		start := time.Now()
		tr.do(t, api.handler, *c.baseline)
		base = time.Since(start)
	}
	start := time.Now()
	rep := tr.do(t, api.handler, c)
	took := time.Since(start)
	if c.baseline != nil {
		t.Logf("answered in %v; a flat body of the same size in %v", took, base)
		if bound := 3*base + 100*time.Millisecond; took > bound {
			t.Errorf("took %v, want under %v (3 × the flat body's %v, + 100 ms)", took, bound, base)
		}
	}
	if rep.status != c.status {
		t.Errorf("status %d, want %d (body %.300s)", rep.status, c.status, rep.body)
	}
	if c.allow != "" && rep.header.Get("Allow") != c.allow {
		t.Errorf("Allow %q, want %q", rep.header.Get("Allow"), c.allow)
	}
	if c.location != "" && rep.header.Get("Location") != c.location {
		t.Errorf("Location %q, want %q", rep.header.Get("Location"), c.location)
	}
	if !c.raw {
		checkJSONAnswer(t, c, rep)
	}
	checkStore(t, api, c)
}

func checkJSONAnswer(t *testing.T, c attack, rep reply) {
	t.Helper()
	if ct := rep.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json (body %.300s)", ct, rep.body)
	}
	var body map[string]any
	if err := json.Unmarshal(rep.body, &body); err != nil {
		t.Fatalf("answer is not a JSON object: %v (%.300s)", err, rep.body)
	}
	msg, _ := body["error"].(string)
	if c.status >= 400 && msg == "" {
		t.Errorf("no error message in %v", body)
	}
	if c.answer != nil {
		c.answer(t, body)
	}
	if c.errHas != "" && !strings.Contains(msg, c.errHas) {
		t.Errorf("error %q, want it to mention %q", msg, c.errHas)
	}
	if c.status == http.StatusUnauthorized && body["reason"] != c.reason {
		t.Errorf("reason %v, want %q (error %q)", body["reason"], c.reason, msg)
	}
	if c.status == http.StatusBadRequest {
		if got, _ := body["field"].(string); got != c.field {
			t.Errorf("field %q, want %q (error %q)", got, c.field, msg)
		}
	}
	if c.status == http.StatusRequestEntityTooLarge && body["limit_bytes"] != strconv.Itoa(limit) {
		t.Errorf("limit_bytes %v, want %d", body["limit_bytes"], limit)
	}
}

func checkStore(t *testing.T, api *hostileAPI, c attack) {
	t.Helper()
	ctx := context.Background()
	n := api.tickets.updates.Load()
	if c.stores {
		source, _, _ := strings.Cut(strings.TrimPrefix(c.path, "/webhooks/"), "?")
		if n == 0 {
			t.Errorf("control: no store update")
		}
		for _, id := range c.tickets {
			if _, err := api.tickets.Get(ctx, store.Key{Source: source, ID: id}); err != nil {
				t.Errorf("control: ticket %s/%q: %v", source, id, err)
			}
		}
	} else {
		if n != 0 {
			t.Errorf("%d store update(s), want none", n)
		}
		var sources []string
		if n > 0 || api.lookups {
			sources = api.sources
		}
		for _, src := range sources {
			for _, id := range c.tickets {
				if _, err := api.tickets.Get(ctx, store.Key{Source: src, ID: id}); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("ticket %s/%q: Get = %v, want ErrNotFound", src, id, err)
				}
			}
		}
	}
	if c.after != nil {
		c.after(t, api.tickets)
	}
}

// vendor describes one signature scheme as its adapter implements it.
type vendor struct {
	label  string
	source string // "<source>-b" is the same provider with another secret
	ticket string // the ticket the body names
	body   []byte
	header http.Header // unsigned headers the vendor sends with every delivery

	sigHeader, prefix string
	hash              provider.Hash
	enc               provider.Encoding
	// sign is the adapter's own signing function; parts is what its MAC
	// covers, in order, for the attacks that forge at the MAC level.
	sign  func(secret []byte, path, ts string, body []byte) string
	parts func(path, ts string, body []byte) [][]byte

	// Timestamped schemes only.
	tsHeader   string
	stamp      func(time.Time) string
	badTS      string // the reason for a signed timestamp that is not a time
	zeroTS     string // the reason for a signed Unix-epoch timestamp
	noTSReason string // the reason when the timestamp header is left out
}

func (v vendor) path() string { return "/webhooks/" + v.source }

// fresh is a timestamp two seconds before the fixture clock.
func (v vendor) fresh() string {
	if v.stamp == nil {
		return ""
	}
	return v.stamp(now.Add(-2 * time.Second))
}

// headers signs body as the vendor does for a delivery to path at ts.
func (v vendor) headers(secret []byte, path, ts string, body []byte) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for k, vs := range v.header {
		h[k] = slices.Clone(vs)
	}
	if v.tsHeader != "" {
		h.Set(v.tsHeader, ts)
	}
	h.Set(v.sigHeader, v.sign(secret, path, ts, body))
	return h
}

// post is a validly signed delivery of body to the vendor's first source.
func (v vendor) post(name string, body []byte) attack {
	return attack{name: v.label + "/" + name, path: v.path(), header: v.headers(secretFor(v.source), v.path(), v.fresh(), body), body: body}
}

func encodeMAC(enc provider.Encoding, prefix string, mac []byte) string {
	if enc == provider.Hex {
		return prefix + hex.EncodeToString(mac)
	}
	return prefix + base64.StdEncoding.EncodeToString(mac)
}

func bodyOnly(_, _ string, body []byte) [][]byte { return [][]byte{body} }

func msStamp(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func githubOpened(number string) []byte {
	return []byte(`{"action":"opened","issue":{"number":` + number + `,"title":"Export fails","user":{"login":"customer-jane","id":5550101,"type":"User"},` +
		`"labels":[{"name":"bug"}],"state":"open","author_association":"NONE","created_at":"2026-11-23T09:00:00Z","updated_at":"2026-11-23T09:00:00Z",` +
		`"closed_at":null,"state_reason":null},` + ghRepo + `,"sender":{"login":"customer-jane","id":5550101,"type":"User"}}`)
}

func hubspotBatch(occurredAt, objectID string) []byte {
	return []byte(`[{"eventId":9100001,"subscriptionId":2480551,"portalId":62515,"appId":54321,"occurredAt":` + occurredAt +
		`,"subscriptionType":"ticket.creation","attemptNumber":0,"objectId":` + objectID + `,"changeFlag":"CREATED"}]`)
}

func frontApp(event string) []byte {
	return []byte(`{"type":"inbound_received","authorization":{"id":"cmp_1"},"payload":` + event + `}`)
}

// hostileVendors are the HMAC schemes, each with a body that creates a
// ticket when validly signed.
func hostileVendors() []vendor {
	return []vendor{
		{
			label: "generic", source: "generic", ticket: "42", body: []byte(created),
			sigHeader: generic.SignatureHeader, prefix: "sha256=", hash: provider.SHA256, enc: provider.Hex,
			sign:  func(s []byte, _, _ string, b []byte) string { return generic.Sign(s, b) },
			parts: bodyOnly,
		},
		{
			label: "zendesk", source: "zendesk", ticket: "701",
			body:      []byte(zendeskEvent("ticket.created", "evt-h1", "2026-11-23T09:00:00Z", "701", `{}`)),
			sigHeader: zendesk.SignatureHeader, hash: provider.SHA256, enc: provider.Base64,
			sign:     func(s []byte, _, ts string, b []byte) string { return zendesk.Sign(s, ts, b) },
			parts:    func(_, ts string, b []byte) [][]byte { return [][]byte{[]byte(ts), b} },
			tsHeader: zendesk.TimestampHeader, stamp: func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
			badTS: "bad_signature", zeroTS: "stale_timestamp", noTSReason: "missing_signature",
		},
		{
			label: "intercom", source: "intercom", ticket: "215",
			body:      intercomNotification("notif_h1", "conversation.user.created", "215", 1795424401, ""),
			sigHeader: intercom.SignatureHeader, prefix: "sha1=", hash: provider.SHA1, enc: provider.Hex,
			sign:  func(s []byte, _, _ string, b []byte) string { return intercom.Sign(s, b) },
			parts: bodyOnly,
		},
		{
			label: "helpscout", source: "helpscout", ticket: "3001",
			body:      helpscoutConversation("3001", "active", hsCustomerThread),
			header:    http.Header{helpscout.EventHeader: {"convo.created"}},
			sigHeader: helpscout.SignatureHeader, hash: provider.SHA1, enc: provider.Base64,
			sign:  func(s []byte, _, _ string, b []byte) string { return helpscout.Sign(s, b) },
			parts: bodyOnly,
		},
		{
			label: "front-rule", source: "front", ticket: "cnv_h",
			body:      []byte(frontEvent("evt_h1", "inbound", "cnv_h", "1795424400", "null")),
			sigHeader: front.SignatureHeader, hash: provider.SHA1, enc: provider.Base64,
			sign:  func(s []byte, _, _ string, b []byte) string { return front.SignRule(s, b) },
			parts: bodyOnly,
		},
		{
			label: "front-app", source: "front", ticket: "cnv_h",
			body:      frontApp(frontEvent("evt_h1", "inbound", "cnv_h", "1795424400", "null")),
			sigHeader: front.SignatureHeader, hash: provider.SHA256, enc: provider.Base64,
			sign:     func(s []byte, _, ts string, b []byte) string { return front.SignApp(s, ts, b) },
			parts:    func(_, ts string, b []byte) [][]byte { return [][]byte{[]byte(ts), []byte(":"), b} },
			tsHeader: front.TimestampHeader, stamp: msStamp,
			// Without the timestamp header the request is verified as a
			// rule webhook, which an application signature cannot pass.
			badTS: "stale_timestamp", zeroTS: "stale_timestamp", noTSReason: "bad_signature",
		},
		{
			label: "jira", source: "jira", ticket: "SUP-7", body: []byte(jiraCreated("10001", "SUP-7")),
			header:    http.Header{jira.IdentifierHeader: {"d7c0a1e2-hostile"}},
			sigHeader: jira.SignatureHeader, prefix: "sha256=", hash: provider.SHA256, enc: provider.Hex,
			sign:  func(s []byte, _, _ string, b []byte) string { return jira.Sign(s, b) },
			parts: bodyOnly,
		},
		{
			label: "hubspot", source: "hubspot", ticket: "5101", body: hubspotBatch("1795424400000", "5101"),
			sigHeader: hubspot.SignatureHeader, hash: provider.SHA256, enc: provider.Base64,
			sign: func(s []byte, path, ts string, b []byte) string {
				return hubspot.Sign(s, http.MethodPost, hubspotBase+path, b, ts)
			},
			parts: func(path, ts string, b []byte) [][]byte {
				return [][]byte{[]byte(http.MethodPost), []byte(hubspot.NormalizeURI(hubspotBase + path)), b, []byte(ts)}
			},
			tsHeader: hubspot.TimestampHeader, stamp: msStamp,
			badTS: "bad_signature", zeroTS: "bad_signature", noTSReason: "missing_signature",
		},
		{
			label: "github", source: "github", ticket: "octo-org/helpdesk#42", body: githubOpened("42"),
			header:    http.Header{github.EventHeader: {"issues"}, github.DeliveryHeader: {"d0000000-0000-4000-8000-00000000beef"}},
			sigHeader: github.SignatureHeader, prefix: "sha256=", hash: provider.SHA256, enc: provider.Hex,
			sign:  func(s []byte, _, _ string, b []byte) string { return github.Sign(s, b) },
			parts: bodyOnly,
		},
	}
}

func hostileVendor(label string) vendor {
	for _, v := range hostileVendors() {
		if v.label == label {
			return v
		}
	}
	panic("no vendor " + label)
}

// TestHostileSignersMatchAdapters: the MAC-level forgeries below are only
// meaningful if encoding MAC(parts) reproduces each adapter's own signature.
func TestHostileSignersMatchAdapters(t *testing.T) {
	for _, v := range hostileVendors() {
		sec, ts := secretFor(v.source), v.fresh()
		want := v.sign(sec, v.path(), ts, v.body)
		if got := encodeMAC(v.enc, v.prefix, provider.MAC(v.hash, sec, v.parts(v.path(), ts, v.body)...)); got != want {
			t.Errorf("%s: MAC of parts = %s, adapter signs %s", v.label, got, want)
		}
	}
}

// signatureAttacks are the bypass attempts against one HMAC scheme.
func signatureAttacks(v vendor) []attack {
	sec, path, ts := secretFor(v.source), v.path(), v.fresh()
	valid := v.headers(sec, path, ts, v.body)
	good := valid.Get(v.sigHeader)
	sigKey := http.CanonicalHeaderKey(v.sigHeader)
	bad := v.sign([]byte("not-the-secret"), path, ts, v.body)
	mac := provider.MAC(v.hash, sec, v.parts(path, ts, v.body)...)
	with := func(mut func(h http.Header)) http.Header {
		h := valid.Clone()
		mut(h)
		return h
	}
	sig := func(value string) http.Header { return with(func(h http.Header) { h.Set(v.sigHeader, value) }) }
	refuse := func(name string, h http.Header, reason string) attack {
		return attack{name: v.label + "/" + name, path: path, header: h, body: v.body,
			status: http.StatusUnauthorized, reason: reason, tickets: []string{v.ticket}}
	}
	otherHash, otherPrefix := provider.SHA1, ""
	if v.hash == provider.SHA1 {
		otherHash = provider.SHA256
	}
	if v.prefix != "" {
		otherPrefix = map[provider.Hash]string{provider.SHA1: "sha1=", provider.SHA256: "sha256="}[otherHash]
	}

	cs := []attack{
		// Control: the vendor's real signing passes, so every refusal below
		// is the attack's doing.
		{name: v.label + "/control: validly signed", path: path, header: valid, body: v.body,
			status: http.StatusOK, stores: true, tickets: []string{v.ticket}},
		// A forger who cannot sign leaves the signature out...
		refuse("missing signature header", with(func(h http.Header) { h.Del(v.sigHeader) }), "missing_signature"),
		// ...or sends it empty, hoping "" compares equal to something.
		refuse("empty signature header", sig(""), "missing_signature"),
		// A guessed secret, or one from another integration.
		refuse("wrong secret", v.headers([]byte("not-the-secret"), path, ts, v.body), "bad_signature"),
		// A genuine signature lifted from another delivery.
		refuse("signature of a different body", sig(v.sign(sec, path, ts, []byte(`{"x":1}`))), "bad_signature"),
		// A cut MAC, hoping for a prefix comparison.
		refuse("truncated signature", sig(good[:len(good)-4]), "bad_signature"),
		// The header twice: proxies and API Gateway pick or join repeated
		// values differently, so no order may pass (none of these vendors
		// sends a list of signatures).
		refuse("signature header twice, bad then good", with(func(h http.Header) { h[sigKey] = []string{bad, good} }), "bad_signature"),
		refuse("signature header twice, good then bad", with(func(h http.Header) { h[sigKey] = []string{good, bad} }), "bad_signature"),
		// A valid delivery for one source replayed to another source of the
		// same provider, which has its own secret.
		{name: v.label + "/cross-source replay", path: path + "-b", header: valid, body: v.body,
			status: http.StatusUnauthorized, reason: "bad_signature", tickets: []string{v.ticket}},
		// Algorithm downgrade (or confusion): the right secret under the
		// other hash, named as such where the scheme names its hash.
		refuse("algorithm downgrade/confusion", sig(encodeMAC(v.enc, otherPrefix, provider.MAC(otherHash, sec, v.parts(path, ts, v.body)...))), "bad_signature"),
		// The body changed after signing, by as little as trailing
		// whitespace a JSON parser would skip.
		{name: v.label + "/trailing whitespace after signing", path: path, header: valid, body: append(slices.Clone(v.body), " \n"...),
			status: http.StatusUnauthorized, reason: "bad_signature", tickets: []string{v.ticket}},
	}
	if v.enc == provider.Hex {
		cs = append(cs,
			// The right MAC in base64 where the scheme says hex.
			refuse("right MAC as base64", sig(encodeMAC(provider.Base64, v.prefix, mac)), "bad_signature"),
			// The scheme's prefix is a literal.
			refuse("upper-case prefix", sig(strings.ToUpper(v.prefix)+strings.TrimPrefix(good, v.prefix)), "bad_signature"),
			// The right MAC without its prefix.
			refuse("prefix missing", sig(strings.TrimPrefix(good, v.prefix)), "bad_signature"),
			// Control: upper-case hex digits are the same MAC (base 16 is
			// case-insensitive, RFC 4648 §8; the adapters' own tests accept
			// it): nothing an attacker does not already need to know.
			attack{name: v.label + "/control: upper-case hex digits", path: path, body: v.body,
				header: sig(v.prefix + strings.ToUpper(strings.TrimPrefix(good, v.prefix))),
				status: http.StatusOK, stores: true, tickets: []string{v.ticket}},
		)
	} else {
		swapped := []byte(good)
		for i, c := range swapped {
			switch {
			case c >= 'a' && c <= 'z':
				swapped[i] = c - 'a' + 'A'
			case c >= 'A' && c <= 'Z':
				swapped[i] = c - 'A' + 'a'
			}
		}
		cs = append(cs,
			// The right MAC in hex where the scheme says base64.
			refuse("right MAC as hex", sig(hex.EncodeToString(mac)), "bad_signature"),
			// The right MAC in unpadded URL-safe base64.
			refuse("right MAC as unpadded base64url", sig(base64.RawURLEncoding.EncodeToString(mac)), "bad_signature"),
			// Base64 is case-sensitive: a case-swapped value is another MAC.
			refuse("right MAC with letter case swapped", sig(string(swapped)), "bad_signature"),
		)
	}
	if v.tsHeader != "" {
		tsKey := http.CanonicalHeaderKey(v.tsHeader)
		at := func(ts string) http.Header { return v.headers(sec, path, ts, v.body) }
		stale := v.stamp(now.Add(-10 * time.Minute))
		cs = append(cs,
			// A captured delivery replayed after the window.
			refuse("stale timestamp (10 min old)", at(stale), "stale_timestamp"),
			// A delivery signed ahead of time for later replay.
			refuse("timestamp 10 min in the future", at(v.stamp(now.Add(10*time.Minute))), "stale_timestamp"),
			refuse("timestamp in 2100", at(v.stamp(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))), "stale_timestamp"),
			refuse("Unix epoch timestamp", at(v.stamp(time.UnixMilli(0))), v.zeroTS),
			// A signed timestamp that is no time: an overflowing epoch number.
			refuse("timestamp 99999999999999999999999", at("99999999999999999999999"), v.badTS),
			refuse("negative timestamp", at("-1795426198000"), v.badTS),
			// A replay with the timestamp refreshed and the old signature.
			refuse("fresh timestamp on a stale signature", with(func(h http.Header) { h.Set(v.sigHeader, v.sign(sec, path, stale, v.body)) }), "bad_signature"),
			// The timestamp header left out, hoping for a scheme without one.
			refuse("timestamp header missing", with(func(h http.Header) { h.Del(v.tsHeader) }), v.noTSReason),
			// The timestamp twice: which one was signed and which one was
			// checked for freshness must not differ.
			refuse("timestamp header twice, signed one first", with(func(h http.Header) { h[tsKey] = []string{ts, stale} }), "bad_signature"),
			refuse("timestamp header twice, signed one last", with(func(h http.Header) { h[tsKey] = []string{stale, ts} }), "bad_signature"),
		)
	}
	switch v.label {
	case "github":
		// Downgrade to GitHub's legacy SHA-1 header, validly signed.
		cs = append(cs, refuse("legacy X-Hub-Signature (sha1) only", with(func(h http.Header) {
			h.Del(v.sigHeader)
			h.Set("X-Hub-Signature", encodeMAC(provider.Hex, "sha1=", provider.MAC(provider.SHA1, sec, v.body)))
		}), "missing_signature"))
	case "front-app":
		// Downgrade to the rule scheme (SHA-1 of the body alone, nothing
		// timed) while the timestamp header is present.
		cs = append(cs, refuse("rule-scheme signature on an application webhook", sig(front.SignRule(sec, v.body)), "bad_signature"))
	case "front-rule":
		// A forged timestamp header switches to the application scheme,
		// which the rule signature cannot pass.
		cs = append(cs, refuse("timestamp header added to a rule webhook", with(func(h http.Header) { h.Set(front.TimestampHeader, msStamp(now)) }), "bad_signature"))
	case "hubspot":
		// A query string added after signing: HubSpot signs the URL, and
		// the "stages" parameter would remap pipeline stages.
		a := refuse("query string added after signing", valid, "bad_signature")
		a.path += "?stages=1:solved"
		cs = append(cs, a)
	}
	return cs
}

// freshdeskAttacks: Freshdesk signs nothing; the shared secret is presented
// as a Basic-auth password or an X-Slawatch-Token header. It does not bind
// the body, which is the scheme's own limit.
func freshdeskAttacks() []attack {
	const path = "/webhooks/freshdesk"
	body := []byte(freshdeskBody("ticket_created", "4901", "2026-11-23 09:00:00 UTC"))
	basic := func(user, password string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	hdr := func(kv ...string) http.Header {
		h := http.Header{"Content-Type": {"application/json"}}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	withType := func(h http.Header) http.Header { h.Set("Content-Type", "application/json"); return h }
	tok, authz := freshdesk.TokenHeader, "Authorization"
	refuse := func(name string, p string, h http.Header, reason string) attack {
		return attack{name: "freshdesk/" + name, path: p, header: h, body: body,
			status: http.StatusUnauthorized, reason: reason, tickets: []string{"4901"}}
	}
	return []attack{
		// Controls: both documented ways of presenting the secret pass.
		{name: "freshdesk/control: token header", path: path, header: withType(freshdeskTokenAuth()), body: body, status: http.StatusOK, stores: true, tickets: []string{"4901"}},
		{name: "freshdesk/control: basic auth", path: path, header: withType(freshdeskBasicAuth()), body: body, status: http.StatusOK, stores: true, tickets: []string{"4901"}},
		// No credentials at all.
		refuse("missing credentials", path, hdr(), "missing_signature"),
		// An empty token, hoping "" matches.
		refuse("empty token header", path, hdr(tok, ""), "missing_signature"),
		// A guessed secret.
		refuse("wrong token", path, hdr(tok, "guess"), "bad_signature"),
		refuse("wrong basic password", path, hdr(authz, basic("slawatch", "guess")), "bad_signature"),
		// The secret in the ignored user name rather than the password.
		refuse("secret as basic user name", path, hdr(authz, basic(freshdeskSecret, "x")), "bad_signature"),
		// The secret as a bearer token: only Basic is read.
		refuse("secret as bearer token", path, hdr(authz, "Bearer "+freshdeskSecret), "bad_signature"),
		// Near misses: case, prefix, extension.
		refuse("token in upper case", path, hdr(tok, strings.ToUpper(freshdeskSecret)), "bad_signature"),
		refuse("truncated token", path, hdr(tok, freshdeskSecret[:len(freshdeskSecret)-1]), "bad_signature"),
		refuse("token with a suffix", path, hdr(tok, freshdeskSecret+"x"), "bad_signature"),
		// The credential twice, in either order.
		refuse("token header twice, bad then good", path, hdr(tok, "guess", tok, freshdeskSecret), "bad_signature"),
		refuse("token header twice, good then bad", path, hdr(tok, freshdeskSecret, tok, "guess"), "bad_signature"),
		refuse("authorization twice, bad then good", path, hdr(authz, basic("u", "guess"), authz, basic("u", freshdeskSecret)), "bad_signature"),
		refuse("authorization twice, good then bad", path, hdr(authz, basic("u", freshdeskSecret), authz, basic("u", "guess")), "bad_signature"),
		// One source's secret presented to another Freshdesk source.
		refuse("cross-source replay", path+"-b", withType(freshdeskTokenAuth()), "bad_signature"),
	}
}

// TestHostileSignatures: signature bypass attempts against every signed
// vendor.
func TestHostileSignatures(t *testing.T) {
	var cases []attack
	for _, v := range hostileVendors() {
		cases = append(cases, signatureAttacks(v)...)
	}
	cases = append(cases, freshdeskAttacks()...)
	runAttacks(t, cases)
}

// TestHostileBodySize: the 1 MiB limit holds with and without a
// Content-Length, and is enforced before any signature work.
func TestHostileBodySize(t *testing.T) {
	pad := func(n int) []byte { return append([]byte(created), bytes.Repeat([]byte(" "), n-len(created))...) }
	atLimit, overLimit := pad(limit), pad(limit+1)
	over := func(name string, body []byte, h http.Header, chunked bool) attack {
		return attack{name: name, path: "/webhooks/generic", header: h, body: body, chunked: chunked,
			status: http.StatusRequestEntityTooLarge, errHas: "limit", tickets: []string{"42"}}
	}
	signed := func(b []byte) http.Header {
		return http.Header{"Content-Type": {"application/json"}, generic.SignatureHeader: {sign(string(b))}}
	}
	many := "[" + strings.Repeat(`{"ticket_id":"1"},`, 100_000) + `{"ticket_id":"1"}]`
	z := hostileVendor("zendesk")
	zBig := append(slices.Clone(z.body), bytes.Repeat([]byte(" "), limit)...)
	zOver := z.post("over the limit", zBig)
	zOver.status, zOver.errHas, zOver.tickets = http.StatusRequestEntityTooLarge, "limit", []string{z.ticket}
	runAttacks(t, []attack{
		// Control: exactly the limit, validly signed, is accepted.
		{name: "control: exactly the limit", path: "/webhooks/generic", header: signed(atLimit), body: atLimit,
			status: http.StatusOK, stores: true, tickets: []string{"42"}},
		// One byte more is refused, however well signed.
		over("limit+1, signed", overLimit, signed(overLimit), false),
		// The size check comes before authentication: an unsigned flood
		// costs no HMAC and no parse.
		over("limit+1, unsigned", overLimit, http.Header{"Content-Type": {"application/json"}}, false),
		// Chunked, with no length to check up front: the limit holds while
		// reading.
		over("limit+1, chunked", overLimit, signed(overLimit), true),
		// Control: chunking itself is fine.
		{name: "control: chunked, valid", path: "/webhooks/generic", header: signed([]byte(created)), body: []byte(created), chunked: true,
			status: http.StatusOK, stores: true, tickets: []string{"42"}},
		// The array form with 100 000 events is bounded by the limit too.
		over("generic array of 1e5 events", []byte(many), signed([]byte(many)), false),
		// The same on a vendor source.
		zOver,
	})
}

// TestHostileJSON: malformed and pathological bodies that are validly
// signed, i.e. what a compromised or buggy sender could post.
func TestHostileJSON(t *testing.T) {
	g := hostileVendor("generic")
	gen := func(name string, body string, status int, field, errHas string, tickets ...string) attack {
		a := g.post(name, []byte(body))
		a.name = name
		a.status, a.field, a.errHas, a.tickets = status, field, errHas, tickets
		return a
	}
	nested := func(open, close string, n int) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	withField := func(field string) string {
		return strings.Replace(created, `"channel":"chat"`, `"channel":"chat",`+field, 1)
	}
	deepest := (limit - len(created) - len(`,"tags":`)) / 2
	// bounded times a's answer against a body of its size scanned to the
	// end: one long string where tags must be an array, refused.
	bounded := func(a attack) attack {
		k := len(a.body) - len(withField(`"tags":""`))
		flat := g.post("flat", []byte(withField(`"tags":"`+strings.Repeat("a", max(k, 0))+`"`)))
		a.baseline = &flat
		return a
	}

	z := hostileVendor("zendesk")
	zen := func(name, body string, status int, field, errHas string, tickets ...string) attack {
		a := z.post(name, []byte(body))
		a.status, a.field, a.errHas, a.tickets = status, field, errHas, tickets
		return a
	}
	zTrigger := func(extra string) string {
		return `{"event":"customer_message","ticket_id":"811","status":"Open","priority":"Normal","via":"Mail","tags":"",` +
			`"actor_id":"301","actor_role":"End-user","time":"2026-11-23T09:10:00Z","comment":"hi"` + extra + `}`
	}
	vendorPost := func(label, name string, body []byte, status int, field, errHas string, tickets ...string) attack {
		a := hostileVendor(label).post(name, body)
		a.status, a.field, a.errHas, a.tickets = status, field, errHas, tickets
		return a
	}
	intercomAt := func(v string) []byte {
		return bytes.Replace(intercomNotification("notif_h2", "conversation.user.created", "216", 1795424401, ""),
			[]byte(`"created_at": 1795424400`), []byte(`"created_at": `+v), 1)
	}
	frontAt := func(v string) []byte { return []byte(frontEvent("evt_h2", "inbound", "cnv_h2", v, "null")) }
	jiraAt := func(v string) []byte {
		return []byte(strings.Replace(jiraCreated("10002", "SUP-8"), "1795424400000", v, 1))
	}
	const bad = "malformed JSON"

	cases := []attack{
		// Nesting: encoding/json refuses more than 10 000 levels while
		// scanning, before any recursion into Go values.
		bounded(gen("10 000 nested arrays in tags", withField(`"tags":`+nested("[", "]", 10_000)), 400, "", "exceeded max depth", "42")),
		bounded(gen("10 000 nested objects in an unknown field", withField(`"x":`+strings.Repeat(`{"a":`, 10_000)+"1"+strings.Repeat("}", 10_000)), 400, "", "exceeded max depth", "42")),
		bounded(zen("10 000 nested arrays in an ignored field", zendeskEvent("ticket.created", "evt-h3", "2026-11-23T09:00:00Z", "703", `{"x":`+nested("[", "]", 10_000)+`}`), 400, "", "exceeded max depth", "703")),
		// The deepest nesting that fits in the body limit.
		bounded(gen(fmt.Sprintf("%d nested arrays (deepest under the limit)", deepest), withField(`"tags":`+nested("[", "]", deepest)), 400, "", "exceeded max depth", "42")),

		// Invalid UTF-8: the signature covers the raw bytes, so the sender
		// is authentic; encoding/json replaces each bad byte with U+FFFD, so
		// what is stored is valid UTF-8 (which DynamoDB requires). Controls.
		func() attack {
			a := zen("control: invalid UTF-8 in a comment body", zendeskEvent("ticket.comment_added", "evt-h4", "2026-11-23T09:05:00Z", "704",
				"{\"comment\":{\"id\":\"9004\",\"body\":\"caf\xe9 \xff\xfe\",\"is_public\":true,\"author\":{\"id\":\"101\",\"is_staff\":false}}}"), 200, "", "", "704")
			a.stores = true
			return a
		}(),
		func() attack {
			a := gen("control: invalid UTF-8 in ticket_id is stored as U+FFFD", strings.Replace(created, `"42"`, "\"4\xff2\"", 1), 200, "", "", "4\uFFFD2")
			a.stores = true
			a.after = func(t *testing.T, tickets store.Tickets) {
				got, err := tickets.Get(context.Background(), store.Key{Source: "generic", ID: "4\xff2"})
				switch {
				case errors.Is(err, store.ErrNotFound):
					// Memory compares keys byte for byte.
				case err != nil:
					t.Errorf("Get: %v", err)
				case got.ID != "4\uFFFD2":
					t.Errorf("raw invalid UTF-8 id stored: %q", got.ID)
					// Else DynamoDB: the SDK sends keys as JSON, which turns
					// the invalid byte of the lookup into U+FFFD too.
				}
			}
			return a
		}(),
		// Invalid UTF-8 outside a string is not JSON.
		gen("invalid UTF-8 as a value", withField("\"priority\":\xff"), 400, "", bad, "42"),

		// Huge and absurd numbers.
		gen("ticket_id 99999999999999999999999 as a number", strings.Replace(created, `"42"`, "99999999999999999999999", 1), 400, "ticket_id", "", "99999999999999999999999"),
		gen("ticket_id 1e400", strings.Replace(created, `"42"`, "1e400", 1), 400, "ticket_id", "", "1e400"),
		gen("occurred_at 1e400", strings.Replace(created, `"2026-11-23T09:00:00Z"`, "1e400", 1), 400, "occurred_at", "", "42"),
		gen("occurred_at the zero time", strings.Replace(created, `2026-11-23T09:00:00Z`, "0001-01-01T00:00:00Z", 1), 400, "occurred_at", "required", "42"),
		// Control: ids are text, so a 23-digit id is kept digit for digit
		// rather than rounded through float64 onto another ticket.
		func() attack {
			a := zen("control: 23-digit ticket id kept exactly", strings.Replace(zendeskEvent("ticket.created", "evt-h5", "2026-11-23T09:00:00Z", "705", `{}`),
				`"id":"705"`, `"id":99999999999999999999999`, 1), 200, "", "", "99999999999999999999999")
			a.stores = true
			a.after = func(t *testing.T, tickets store.Tickets) {
				if _, err := tickets.Get(context.Background(), store.Key{Source: "zendesk", ID: "100000000000000000000000"}); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("id rounded through float64: %v", err)
				}
			}
			return a
		}(),
		vendorPost("jira", "timestamp 99999999999999999999999", jiraAt("99999999999999999999999"), 400, "timestamp", "", "SUP-8"),
		vendorPost("jira", "timestamp 1e400", jiraAt("1e400"), 400, "timestamp", "", "SUP-8"),
		vendorPost("jira", "timestamp 0", jiraAt("0"), 400, "timestamp", "", "SUP-8"),
		vendorPost("jira", "timestamp negative", jiraAt("-1795424400000"), 400, "timestamp", "", "SUP-8"),
		// Past year 9999 a time has no RFC 3339 form: the store and the
		// ticket API could not write it.
		vendorPost("jira", "timestamp max int64 (year 292 278 994)", jiraAt("9223372036854775807"), 400, "timestamp", "", "SUP-8"),
		vendorPost("jira", "timestamp in the year 10000", jiraAt("253402300800000"), 400, "timestamp", "", "SUP-8"),
		vendorPost("hubspot", "occurredAt 99999999999999999999", hubspotBatch("99999999999999999999", "5102"), 400, "[0].occurredAt", "", "5102"),
		vendorPost("hubspot", "occurredAt 1e400", hubspotBatch("1e400", "5102"), 400, "[0].occurredAt", "", "5102"),
		vendorPost("hubspot", "occurredAt 0", hubspotBatch("0", "5102"), 400, "[0].occurredAt", "", "5102"),
		vendorPost("hubspot", "occurredAt negative", hubspotBatch("-1", "5102"), 400, "[0].occurredAt", "", "5102"),
		vendorPost("intercom", "created_at 99999999999999999999", intercomAt("99999999999999999999"), 400, "data.item.created_at", "", "216"),
		vendorPost("intercom", "created_at 0", intercomAt("0"), 400, "data.item.created_at", "", "216"),
		vendorPost("intercom", "created_at negative", intercomAt("-1"), 400, "data.item.created_at", "", "216"),
		vendorPost("front-rule", "emitted_at 99999999999999999999", frontAt("99999999999999999999"), 400, "emitted_at", "", "cnv_h2"),
		vendorPost("front-rule", "emitted_at 1e400", frontAt("1e400"), 400, "emitted_at", "", "cnv_h2"),
		vendorPost("front-rule", "emitted_at 0", frontAt("0"), 400, "emitted_at", "", "cnv_h2"),
		vendorPost("front-rule", "emitted_at negative", frontAt("-1"), 400, "emitted_at", "", "cnv_h2"),
		vendorPost("github", "issue number 99999999999999999999", githubOpened("99999999999999999999"), 400, "issue.number", "", "octo-org/helpdesk#99999999999999999999"),
		vendorPost("github", "issue number 1e400", githubOpened("1e400"), 400, "issue.number", "", "octo-org/helpdesk#1e400"),
		vendorPost("github", "issue number negative", githubOpened("-42"), 400, "issue.number", "positive", "octo-org/helpdesk#-42"),

		// Duplicate keys: with encoding/json's last-one-wins, a value
		// injected after the real one (an unescaped helpdesk placeholder, a
		// parser differential) would silently win. They are refused, with
		// keys compared as encoding/json matches fields (case-insensitively,
		// after unescaping).
		gen("duplicate ticket_id", strings.Replace(created, `"ticket_id":"42"`, `"ticket_id":"1","ticket_id":"2"`, 1), 400, "ticket_id", "duplicate", "1", "2", "42"),
		gen("duplicate ticket_id differing in case", strings.Replace(created, `"ticket_id":"42"`, `"ticket_id":"1","TICKET_ID":"2"`, 1), 400, "TICKET_ID", "duplicate", "1", "2"),
		gen("duplicate ticket_id written with an escape", strings.Replace(created, `"ticket_id":"42"`, `"ticket_id":"1","ticket\u005fid":"2"`, 1), 400, "ticket_id", "duplicate", "1", "2"),
		gen("duplicate kind in the second array element", "["+created+","+strings.Replace(created, `"kind":"ticket_created"`, `"kind":"ticket_created","kind":"agent_reply"`, 1)+"]", 400, "[1].kind", "duplicate", "42"),
		// The attack itself: a customer's text rendered unescaped into a
		// Zendesk trigger body, turning their own message into an agent
		// reply that would stop the first-response clock.
		zen("trigger body with an injected event", zTrigger(`,"EVENT":"agent_public_reply"`), 400, "EVENT", "duplicate", "811"),
		zen("duplicate detail.id in a subscription event", strings.Replace(zendeskEvent("ticket.created", "evt-h6", "2026-11-23T09:00:00Z", "706", `{}`),
			`"detail":{"id":"706"`, `"detail":{"id":"706","id":"707"`, 1), 400, "detail.id", "duplicate", "706", "707"),
		vendorPost("hubspot", "duplicate objectId in a batch element", bytes.Replace(hubspotBatch("1795424400000", "5103"), []byte(`"objectId":5103`), []byte(`"objectId":5103,"objectId":5104`), 1),
			400, "[0].objectId", "duplicate", "5103", "5104"),

		// NUL bytes.
		gen("raw NUL inside a string", strings.Replace(created, `"42"`, "\"4\x002\"", 1), 400, "", bad, "4\x002", "4"),
		gen("raw NUL after the object", created+"\x00", 400, "", "trailing data", "42"),
		gen("raw NUL before the object", "\x00"+created, 400, "", "JSON object", "42"),
		// An escaped NUL is legal JSON, but no id may hold a control
		// character (event.Check): refused, and neither stored whole nor
		// truncated onto ticket "4".
		gen(`\u0000 in ticket_id`, strings.Replace(created, `"42"`, `"4\u00002"`, 1), 400, "ticket_id", "U+0000", "4\x002", "4"),

		// Values that are not an event object.
		gen("bare string", `"ticket_created"`, 400, "", "JSON object"),
		gen("bare number", `42`, 400, "", "JSON object"),
		gen("null", `null`, 400, "", "JSON object"),
		gen("true", `true`, 400, "", "JSON object"),
		gen("empty body", ``, 400, "", "JSON object"),
		gen("whitespace only", " \n\t ", 400, "", "JSON object"),
		gen("empty array", `[]`, 400, "", "no events"),
		gen("array of 1e5 zeros", "["+strings.Repeat("0,", 99_999)+"0]", 400, "(body)", "got JSON number"),
		gen("array of 1e5 empty objects", "["+strings.Repeat("{},", 99_999)+"{}]", 400, "[0].ticket_id", "required"),
		zen("null", `null`, 400, "event", "required"),
		zen("array", `[]`, 400, "(body)", ""),
		zen("bare string", `"zen:event-type:ticket.created"`, 400, "(body)", ""),
		vendorPost("intercom", "null", []byte(`null`), 400, "topic", "required"),
		vendorPost("hubspot", "object where a batch is due", []byte(`{}`), 400, "(body)", "array"),
		// An empty HubSpot batch is well-formed: answered 202, nothing stored.
		vendorPost("hubspot", "empty batch", []byte(`[]`), 202, "", ""),
	}
	runAttacks(t, cases)
}

// TestHostileContentTypes: the handler wants JSON, and says so with 415
// before it reads the body.
func TestHostileContentTypes(t *testing.T) {
	body := []byte(created)
	with := func(name string, ct []string, status int, signed bool) attack {
		h := http.Header{}
		if ct != nil {
			h["Content-Type"] = ct
		}
		if signed {
			h.Set(generic.SignatureHeader, sign(created))
		}
		a := attack{name: name, path: "/webhooks/generic", header: h, body: body, status: status, tickets: []string{"42"}}
		if status == http.StatusUnsupportedMediaType {
			a.errHas = "application/json"
		}
		if status == http.StatusOK {
			a.stores = true
		}
		return a
	}
	cases := []attack{
		// A form post or plain text from a misconfigured or scripted sender.
		with("text/plain", []string{"text/plain"}, 415, true),
		with("form-urlencoded", []string{"application/x-www-form-urlencoded"}, 415, true),
		with("multipart", []string{"multipart/form-data; boundary=xyz"}, 415, true),
		with("missing", nil, 415, true),
		with("empty", []string{""}, 415, true),
		with("look-alike application/jsonx", []string{"application/jsonx"}, 415, true),
		with("two types in one header", []string{"application/json, text/plain"}, 415, true),
		with("header twice, text/plain first", []string{"text/plain", "application/json"}, 415, true),
		// The type is checked before authentication.
		with("text/plain, unsigned", []string{"text/plain"}, 415, false),
		// Controls. RFC 8259 defines no charset parameter for JSON ("adding
		// one really has no effect"): the body is read as UTF-8 and verified
		// byte for byte whatever it says, so accepting it changes nothing.
		with("control: charset=latin1", []string{"application/json; charset=latin1"}, 200, true),
		with("control: upper-case type", []string{"APPLICATION/JSON"}, 200, true),
		// The type is not signed, so it is not a security check: a
		// +json type (RFC 6839) passes to the adapter, which still needs a
		// valid signature and its own JSON shape.
		with("control: application/json-patch+json", []string{"application/json-patch+json"}, 200, true),
	}
	// +json for every vendor: same outcome as application/json.
	for _, v := range hostileVendors() {
		a := v.post("control: application/json-patch+json", v.body)
		a.header.Set("Content-Type", "application/json-patch+json")
		a.status, a.stores, a.tickets = http.StatusOK, true, []string{v.ticket}
		cases = append(cases, a)
	}
	fd := attack{name: "freshdesk/control: application/json-patch+json", path: "/webhooks/freshdesk", header: freshdeskTokenAuth(),
		body: []byte(freshdeskBody("ticket_created", "4901", "2026-11-23 09:00:00 UTC")), status: http.StatusOK, stores: true, tickets: []string{"4901"}}
	fd.header.Set("Content-Type", "application/json-patch+json")
	runAttacks(t, append(cases, fd))
}

// TestHostileMethodsAndPaths: other methods, unknown and crafted source
// names, query strings.
func TestHostileMethodsAndPaths(t *testing.T) {
	signed := http.Header{"Content-Type": {"application/json"}, generic.SignatureHeader: {sign(created)}}
	req := func(name, method, path string, status int, errHas string) attack {
		return attack{name: name, method: method, path: path, header: signed, body: []byte(created), status: status, errHas: errHas, tickets: []string{"42"}}
	}
	method := func(m string) attack {
		a := req(m+" with a signed body", m, "/webhooks/generic", 405, "use POST")
		a.allow = "POST, HEAD"
		return a
	}
	head := req("HEAD probe stores nothing", http.MethodHead, "/webhooks/generic", 200, "")
	head.raw = true
	redirect := req("dot segments: redirected, not processed", http.MethodPost, "/webhooks/../webhooks/generic", 307, "")
	redirect.raw, redirect.location = true, "/webhooks/generic"
	query := req("control: query string cannot rename the source", http.MethodPost, "/webhooks/generic?source=zendesk&provider=zendesk", 200, "")
	query.stores = true
	crossQuery := req("query naming the source signed for", http.MethodPost, "/webhooks/generic-b?source=generic", 401, "")
	crossQuery.reason = "bad_signature"
	otherQuery := req("query on another provider's source", http.MethodPost, "/webhooks/zendesk?source=generic", 401, "")
	otherQuery.reason = "missing_signature"
	runAttacks(t, []attack{
		// Methods other than POST must not reach the adapter.
		method(http.MethodGet), method(http.MethodPut), method(http.MethodDelete), method(http.MethodPatch), method(http.MethodOptions),
		head,
		// The source is checked first: nothing says which sources exist
		// beyond 404.
		req("GET on an unknown source", http.MethodGet, "/webhooks/nope", 404, "unknown source"),
		req("unknown source", http.MethodPost, "/webhooks/nope", 404, "unknown source"),
		// Traversal and encoding tricks in the source segment: the source
		// is one path segment matched exactly, never resolved.
		req("encoded traversal ..%2fgeneric", http.MethodPost, "/webhooks/..%2fgeneric", 404, "unknown source"),
		req("encoded traversal generic%2f..%2fgeneric", http.MethodPost, "/webhooks/generic%2f..%2fgeneric", 404, "unknown source"),
		req("encoded dot-dot", http.MethodPost, "/webhooks/%2e%2e", 404, "unknown source"),
		req("NUL in the source", http.MethodPost, "/webhooks/generic%00", 404, "unknown source"),
		req("source in another case", http.MethodPost, "/webhooks/GENERIC", 404, "unknown source"),
		redirect,
		req("trailing slash", http.MethodPost, "/webhooks/generic/", 404, "no route"),
		req("extra segment", http.MethodPost, "/webhooks/generic/extra", 404, "no route"),
		req("empty source", http.MethodPost, "/webhooks/", 404, "no route"),
		req("64 KiB source name", http.MethodPost, "/webhooks/"+strings.Repeat("a", 64<<10), 404, "unknown source"),
		query, crossQuery, otherQuery,
	})
}

// TestHostileFraming: HTTP framing attacks over raw TCP. API Gateway hands
// the Lambda a de-framed body, so these exist only for the local server.
func TestHostileFraming(t *testing.T) {
	body := []byte(created)
	head := func(extra string) string {
		return "POST /webhooks/generic HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
			"X-Slawatch-Signature: " + sign(created) + "\r\n" + extra + "\r\n"
	}
	big := append(slices.Clone(body), bytes.Repeat([]byte(" "), limit)...)
	chunk := func(b []byte) string { return fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(b), b) }
	tests := []struct {
		name    string
		request []byte
		status  int
		reason  string
		stores  bool
	}{
		// Content-Length says small, the body is over the limit: only the
		// declared bytes are this request's body (the signature, over the
		// whole body, then fails); the rest is never read as part of it.
		{"Content-Length smaller than the body", append([]byte(head("Content-Length: 100\r\n")), big...), 401, "bad_signature", false},
		// Content-Length says more than is sent: the read fails at EOF
		// rather than waiting or accepting the short body.
		{"Content-Length larger than the body", append([]byte(head("Content-Length: 2000000\r\n")), body...), 400, "", false},
		// Two different lengths (request smuggling): refused by net/http
		// before the handler.
		{"two different Content-Lengths", append([]byte(head("Content-Length: 5\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n")), body...), 400, "", false},
		// Content-Length and chunked together (smuggling between a proxy and
		// the server): net/http follows RFC 9112 §6.3 — chunked wins and the
		// length is dropped — so the handler sees exactly the signed chunked
		// body. A control: the valid signature is what gets it stored.
		{"control: Content-Length and chunked together", []byte(head("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + chunk(body)), 200, "", true},
		// A chunk size that lies about its chunk.
		{"chunk size larger than the chunk", []byte(head("Transfer-Encoding: chunked\r\n") + "fffff\r\n" + created + "\r\n0\r\n\r\n"), 400, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newHostileAPI(t, store.NewMemory())
			srv := httptest.NewServer(api.handler)
			defer srv.Close()
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			go func() {
				_, _ = conn.Write(tt.request) // the server may stop reading early
				_ = conn.(*net.TCPConn).CloseWrite()
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no response: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, tt.status, b)
			}
			if tt.reason != "" {
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil || m["reason"] != tt.reason {
					t.Errorf("body %s, want reason %s", b, tt.reason)
				}
			}
			checkStore(t, api, attack{path: "/webhooks/generic", tickets: []string{"42"}, stores: tt.stores})
		})
	}
}

// FuzzWebhookNeverStoresUnsigned: whatever body and header values are
// posted to a signed source (generic, or zendesk with its timestamp), the
// answer is never 2xx, nothing reaches the store, and nothing panics —
// through the net/http handler and the API Gateway adapter. The seeds hold
// no valid signature for the configured secrets (that would be a valid
// request); near misses only.
func FuzzWebhookNeverStoresUnsigned(f *testing.F) {
	zBody := zendeskEvent("ticket.created", "evt-f1", "2026-11-23T09:00:00Z", "801", `{}`)
	zts := "2026-11-23T09:29:58Z"
	other := []byte("not-the-secret")
	f.Add(false, []byte(created), generic.Sign(other, []byte(created)), "", "application/json", false)
	f.Add(false, []byte(created), sign(created+" "), "", "application/json", true)
	f.Add(false, []byte(created), "sha256="+strings.Repeat("0", 64), "", "application/json; charset=utf-8", false)
	f.Add(false, []byte(created), "sha1="+hex.EncodeToString(provider.MAC(provider.SHA1, []byte(secret), []byte(created))), "", "application/json", false)
	f.Add(false, []byte(`[`+created+`,`+created+`]`), "", "", "application/vnd.slawatch+json", false)
	f.Add(false, []byte(`{"ticket_id":"1","ticket_id":"2"}`), "sha256=", "", "application/json", false)
	f.Add(false, []byte(strings.Repeat("[", 20_000)), "sha256=00", "", "application/json", true)
	f.Add(false, []byte("{\"ticket_id\":\"\xff\x00\"}"), "sha256=zz", "", "text/plain", false)
	f.Add(false, []byte(`null`), "", "", "", false)
	f.Add(true, []byte(zBody), zendesk.Sign(other, zts, []byte(zBody)), zts, "application/json", false)
	f.Add(true, []byte(zBody), zendesk.Sign([]byte(zendeskSecret), "2026-11-23T09:00:00Z", []byte(zBody)), zts, "application/json", false)
	f.Add(true, []byte(zBody), zendesk.Sign([]byte(zendeskSecret), zts, []byte(zBody+" ")), zts, "application/json", true)
	f.Add(true, []byte(zBody), "", zts, "application/json", false)
	f.Add(true, []byte(zBody), base64.StdEncoding.EncodeToString(make([]byte, 32)), "", "application/json", false)
	f.Add(true, []byte(`{"event":"agent_public_reply","ticket_id":"9"}`), "AAAA", "not a time", "application/json", false)

	api := newHostileAPI(f, store.NewMemory())
	f.Fuzz(func(t *testing.T, toZendesk bool, body []byte, sig, ts, contentType string, base64Body bool) {
		source, sigHeader := "generic", generic.SignatureHeader
		if toZendesk {
			source, sigHeader = "zendesk", zendesk.SignatureHeader
		}
		// The handler itself, with header values as given (NULs, newlines
		// and all: no client or gateway cleans them first).
		r := httptest.NewRequest(http.MethodPost, "/webhooks/"+source, bytes.NewReader(body))
		r.Header = http.Header{"Content-Type": {contentType}, sigHeader: {sig}, zendesk.TimestampHeader: {ts}}
		w := httptest.NewRecorder()
		api.handler.ServeHTTP(w, r)
		if w.Code >= 200 && w.Code < 300 {
			t.Fatalf("net/http: %d %s for an unsigned request", w.Code, w.Body)
		}
		req := events.APIGatewayV2HTTPRequest{RawPath: "/webhooks/" + source, Body: string(body),
			Headers: map[string]string{"content-type": contentType, strings.ToLower(sigHeader): sig, strings.ToLower(zendesk.TimestampHeader): ts}}
		if base64Body {
			req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
		req.RequestContext.HTTP.Method = http.MethodPost
		resp, err := httpapi.ServeAPIGateway(context.Background(), api.handler, req)
		if err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			t.Fatalf("API Gateway: %d %s for an unsigned request", resp.StatusCode, resp.Body)
		}
		if n := api.tickets.updates.Load(); n != 0 {
			t.Fatalf("%d store update(s) from unsigned requests", n)
		}
	})
}

// longestSource is hostileConfig's source with the longest name the
// configuration accepts.
const longestSource = "generic-longest-name-0123456789abcdefghijklmnopqrstuvwxyz-012345"

// TestHostileIDsAndTimes: validly signed events whose ids could not be
// stored (DynamoDB refuses keys over 2,048 bytes, so these were a 500 that
// the helpdesk retried for ever), ids with characters that rewrite a log
// line, an SMS or a terminal, and impossible times. event.Check refuses
// them after any adapter's Parse, with a 400 naming the canonical field;
// the suite's DynamoDB run shows that the ids at the limit are storable.
func TestHostileIDsAndTimes(t *testing.T) {
	if len(longestSource) != 64 {
		t.Fatalf("longestSource has %d bytes, want 64", len(longestSource))
	}
	body := func(ticket, id, at string) string {
		b, err := json.Marshal(map[string]string{"ticket_id": ticket, "event_id": id, "kind": "ticket_created", "occurred_at": at, "channel": "chat"})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const at = "2026-11-23T09:00:00Z"
	to := func(source, name, b string) attack {
		return attack{name: name, path: "/webhooks/" + source, body: []byte(b),
			header: http.Header{"Content-Type": {"application/json"}, generic.SignatureHeader: {generic.Sign(secretFor(source), []byte(b))}}}
	}
	// tickets lists what must not exist afterwards; ids over DynamoDB's
	// key limit are left out (DynamoDB cannot even look them up): for
	// them, no store update at all is the proof.
	refused := func(name, b, field, errHas string, tickets ...string) attack {
		a := to("generic", name, b)
		a.status, a.field, a.errHas, a.tickets = http.StatusBadRequest, field, errHas, tickets
		a.answer = func(t *testing.T, body map[string]any) {
			if body["applied"] != 0.0 || len(body["refused"].([]any)) != 1 {
				t.Errorf("answer %v, want applied 0 and one refusal", body)
			}
		}
		return a
	}
	accepted := func(source, name, b string, ticket string) attack {
		a := to(source, name, b)
		a.status, a.stores, a.tickets = http.StatusOK, true, []string{ticket}
		return a
	}
	max, over := strings.Repeat("x", 512), strings.Repeat("x", 513)
	twoByte := strings.Repeat("é", 256) // 512 bytes, 256 characters
	const tooLong = "longer than 512 bytes"

	vendorPost := func(label, name string, b []byte, field, errHas string, tickets ...string) attack {
		a := hostileVendor(label).post(name, b)
		a.status, a.field, a.errHas, a.tickets = http.StatusBadRequest, field, errHas, tickets
		return a
	}
	ghDelivery := hostileVendor("github").post("5,000-byte X-GitHub-Delivery", githubOpened("43"))
	// The vendor's header map is keyed as GitHub spells the name.
	ghDelivery.header[github.DeliveryHeader] = []string{strings.Repeat("d", 5_000)}
	ghDelivery.status, ghDelivery.field, ghDelivery.errHas, ghDelivery.tickets = http.StatusBadRequest, "event_id", tooLong, []string{"octo-org/helpdesk#43"}

	// A HubSpot batch of two tickets, one dated two days ahead: HubSpot
	// retries no 4xx, so the other is stored, not refused with it.
	hubspotTwo := []byte(`[{"eventId":9100011,"subscriptionId":2480551,"portalId":62515,"appId":54321,"occurredAt":1795424400000,` +
		`"subscriptionType":"ticket.creation","attemptNumber":0,"objectId":5111,"changeFlag":"CREATED"},` +
		`{"eventId":9100012,"subscriptionId":2480551,"portalId":62515,"appId":54321,"occurredAt":` + strconv.FormatInt(now.Add(48*time.Hour).UnixMilli(), 10) + `,` +
		`"subscriptionType":"ticket.creation","attemptNumber":0,"objectId":5112,"changeFlag":"CREATED"}]`)
	hsBatch := hostileVendor("hubspot").post("batch with one event two days ahead: the other is stored", hubspotTwo)
	hsBatch.status, hsBatch.field, hsBatch.errHas, hsBatch.stores, hsBatch.tickets = http.StatusBadRequest, "occurred_at", "more than 24h0m0s", true, []string{"5111"}
	hsBatch.after = func(t *testing.T, tickets store.Tickets) {
		if _, err := tickets.Get(context.Background(), store.Key{Source: "hubspot", ID: "5112"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("future-dated ticket 5112: Get = %v, want ErrNotFound", err)
		}
	}
	hsBatch.answer = func(t *testing.T, body map[string]any) {
		rf, _ := body["refused"].([]any)
		if body["applied"] != 1.0 || len(rf) != 1 || rf[0].(map[string]any)["event"] != 1.0 {
			t.Errorf("answer %v, want applied 1 and event 1 refused", body)
		}
	}

	// The same in the generic format's array form.
	mixed := to("generic", "array with a valid event and a 10,000-byte ticket_id", "["+body("42", "e1", at)+","+body(strings.Repeat("7", 10_000), "e2", at)+"]")
	mixed.status, mixed.field, mixed.errHas, mixed.stores, mixed.tickets = http.StatusBadRequest, "ticket_id", tooLong, true, []string{"42"}
	mixed.answer = func(t *testing.T, body map[string]any) {
		if body["applied"] != 1.0 || body["error"] != "ticket_id: longer than 512 bytes (10000)" {
			t.Errorf("answer %v, want applied 1 and the ticket_id error", body)
		}
	}

	// Tags: DynamoDB refuses a ticket item over 400 KB, and a 1 MiB body
	// can carry more than that in tags alone.
	tagged := func(tags []string) string {
		b, err := json.Marshal(map[string]any{"ticket_id": "42", "event_id": "e1", "kind": "ticket_created", "occurred_at": at, "channel": "chat", "tags": tags})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tag255 := strings.Repeat("t", 255)

	runAttacks(t, []attack{
		// Tags.
		refused("2,000 tags of 255 bytes (a 530 KB body)", tagged(slices.Repeat([]string{tag255}, 2_000)), "tags", "2000 tags, more than 100", "42"),
		refused("a tag of 256 bytes", tagged([]string{"vip", tag255 + "t"}), "tags[1]", "longer than 255 bytes (256)", "42"),
		refused("CR LF in a tag", tagged([]string{"vip\r\nlevel=ERROR"}), "tags[0]", "U+000D", "42"),
		accepted("generic", "control: 100 tags of 255 bytes", tagged(slices.Repeat([]string{tag255}, 100)), "42"),

		// Lengths: the defect's own cases, then the boundary.
		refused("10,000-byte ticket_id", body(strings.Repeat("7", 10_000), "e1", at), "ticket_id", "ticket_id: longer than 512 bytes (10000)"),
		refused("5,000-byte event_id", body("42", strings.Repeat("e", 5_000), at), "event_id", "event_id: longer than 512 bytes (5000)", "42"),
		accepted(longestSource, "control: ticket_id and event_id of exactly 512 bytes, longest source name", body(max, max, at), max),
		accepted(longestSource, "control: ticket_id of 256 two-byte characters (512 bytes)", body(twoByte, "e1", at), twoByte),
		refused("ticket_id of 513 bytes", body(over, "e1", at), "ticket_id", tooLong+" (513)", over),
		refused("event_id of 513 bytes", body("42", over, at), "event_id", tooLong+" (513)", "42"),
		refused("ticket_id of 257 two-byte characters (514 bytes)", body(twoByte+"é", "e1", at), "ticket_id", tooLong+" (514)", twoByte+"é"),

		// Characters: control characters, line breaks and bidirectional
		// overrides in ids (JSON escapes are legal; the decoded id is what
		// is checked).
		refused("NUL in ticket_id", body("4\x002", "e1", at), "ticket_id", "U+0000", "4\x002", "4"),
		refused("CR LF in ticket_id", body("42\r\nlevel=ERROR msg=forged", "e1", at), "ticket_id", "U+000D", "42\r\nlevel=ERROR msg=forged", "42"),
		refused("ESC in ticket_id", body("\x1b[2J42", "e1", at), "ticket_id", "U+001B", "\x1b[2J42"),
		refused("U+2028 in ticket_id", body("42\u2028x", "e1", at), "ticket_id", "U+2028", "42\u2028x"),
		refused("U+202E in ticket_id", body("42\u202eexe.pdf", "e1", at), "ticket_id", "U+202E", "42\u202eexe.pdf"),
		refused("CR LF in event_id", body("42", "e1\r\nx", at), "event_id", "U+000D", "42"),
		refused("U+202E in event_id", body("42", "e\u202e1", at), "event_id", "U+202E", "42"),
		accepted("generic", "control: printable text beyond ASCII", body("Ärger 42·票", "ü€😀", at), "Ärger 42·票"),

		// Times: past max_future_skew (24h by default) ahead, before 2000.
		accepted("generic", "control: exactly 24h ahead", body("42", "e1", "2026-11-24T09:30:00Z"), "42"),
		refused("24h and 1s ahead", body("42", "e1", "2026-11-24T09:30:01Z"), "occurred_at", "more than 24h0m0s after the time of receipt", "42"),
		refused("in 2100", body("42", "e1", "2100-01-01T00:00:00Z"), "occurred_at", "2100-01-01T00:00:00Z is more than", "42"),
		refused("9999-12-31", body("42", "e1", "9999-12-31T23:59:59Z"), "occurred_at", "more than 24h0m0s", "42"),
		accepted("generic", "control: 2000-01-01", body("42", "e1", "2000-01-01T00:00:00Z"), "42"),
		refused("1999-12-31T23:59:59Z", body("42", "e1", "1999-12-31T23:59:59Z"), "occurred_at", "before 2000-01-01", "42"),
		refused("seconds read as milliseconds (1970)", body("42", "e1", "1970-01-21T18:43:44Z"), "occurred_at", "unit error", "42"),

		// The same check after other adapters' Parse.
		vendorPost("zendesk", "10,000-byte ticket id", []byte(zendeskEvent("ticket.created", "evt-h9", at, strings.Repeat("7", 10_000), `{}`)), "ticket_id", tooLong),
		vendorPost("zendesk", "5,000-byte event id", []byte(zendeskEvent("ticket.created", strings.Repeat("e", 5_000), at, "709", `{}`)), "event_id", tooLong, "709"),
		vendorPost("zendesk", "dated two days ahead", []byte(zendeskEvent("ticket.created", "evt-h10", "2026-11-25T09:30:00Z", "710", `{}`)), "occurred_at", "more than 24h0m0s", "710"),
		vendorPost("front-rule", "U+202E in the conversation id", []byte(frontEvent("evt_h9", "inbound", "cnv_\u202eh9", "1795424400", "null")), "ticket_id", "U+202E", "cnv_\u202eh9"),
		ghDelivery,
		hsBatch,
		mixed,

		// The read API: a ticket id no webhook could have stored is not
		// found, on DynamoDB too (where the lookup itself would fail).
		{name: "GET of a ticket with a 10,000-byte id", method: http.MethodGet, path: "/tickets/generic/" + strings.Repeat("7", 10_000),
			status: http.StatusNotFound, errHas: "no ticket with an id longer than 512 bytes"},
		{name: "control: GET of a ticket with a 512-byte id, not stored", method: http.MethodGet, path: "/tickets/generic/" + max,
			status: http.StatusNotFound, errHas: "no ticket"},
	})
}
