package reliability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/slawatch/slawatch/infra/faultproxy"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/opsgenie/opsgenietest"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty/pagerdutytest"
	"github.com/slawatch/slawatch/shared/oncall/route"
	"github.com/slawatch/slawatch/shared/oncall/slack"
	"github.com/slawatch/slawatch/shared/oncall/slack/slacktest"
	"github.com/slawatch/slawatch/shared/oncall/teams/teamstest"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// The on-call tools' credentials in the fault run: stand-ins, never logged.
const (
	pdKey      = "0123456789abcdef0123456789abcdef"
	ogKey      = "og-faults-key"
	slackToken = "xoxb-faults-token"
	slackChan  = "C0FAULTS"
)

// oncallConfig adds the four tools to the fault run's configuration.
const oncallConfig = `
integrations:
  pagerduty: {routing_key_env: FAULTS_PD_KEY}
  opsgenie: {api_key_env: FAULTS_OG_KEY}
  slack: {bot_token_env: FAULTS_SLACK_TOKEN, channel: ` + slackChan + `}
  teams: {webhook_url_env: FAULTS_TEAMS_URL}
`

// oncallRig delivers the alert topic into the four on-call tools as the
// deployed stack does: one subscription per tool (here an SQS queue, read
// directly; in AWS a Lambda function), the same route.Delivery as
// functions/oncall, and a message that was not delivered is received again
// after its visibility timeout, as Lambda's asynchronous retries send an
// event again. Each tool's contract server sits behind a tookRecorder (what the
// tool took) and a fault proxy (what the network did to it).
type oncallRig struct {
	tools   []*toolRig
	pd      *pagerdutytest.Server
	og      *opsgenietest.Server
	sl      *slacktest.Server
	tm      *teamstest.Server
	cfg     *policy.Config
	secrets map[string]string
}

// toolRig is one tool's subscription, proxy and record.
type toolRig struct {
	name   string
	proxy  *faultproxy.Proxy
	rec    *tookRecorder
	queue  string
	dl     *route.Delivery
	during faultproxy.Stats

	mu       sync.Mutex
	received int       // messages received, redeliveries included
	later    int       // deliveries left for a redelivery
	lastMsg  time.Time // when a message was last received
}

// tookRecorder passes requests to a contract server and keeps each one the
// server took (a 2xx answer, and for Slack's Web API "ok": true), even
// when the fault proxy in front then lost the answer.
type tookRecorder struct {
	next http.Handler
	mu   sync.Mutex
	took []took
}

type took struct {
	path string
	body []byte
}

func (rc *tookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rw := httptest.NewRecorder()
	rc.next.ServeHTTP(rw, r)
	res := rw.Result()
	out, _ := io.ReadAll(res.Body)
	ok := res.StatusCode/100 == 2
	if ok && strings.HasPrefix(r.URL.Path, "/api/") {
		var a struct{ OK bool }
		ok = json.Unmarshal(out, &a) == nil && a.OK
	}
	if ok {
		rc.mu.Lock()
		rc.took = append(rc.took, took{path: r.URL.Path, body: body})
		rc.mu.Unlock()
	}
	for k, vs := range res.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(out)
}

func (rc *tookRecorder) requests() []took {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.took)
}

// startOnCall starts the tools, their proxies (with rules) and one
// subscription per tool to topic.
func startOnCall(ctx context.Context, t *testing.T, cfg *policy.Config, rules faultproxy.Rules, seed uint64,
	snsc *sns.Client, sqsc *sqs.Client, topic string, docs store.Docs, log *slog.Logger) *oncallRig {
	o := &oncallRig{cfg: cfg}
	o.pd = pagerdutytest.NewServer()
	o.og = opsgenietest.NewServer(ogKey)
	o.sl = slacktest.New(t, slackToken, slackChan)
	o.tm = teamstest.NewServer()
	t.Cleanup(func() { o.pd.Close(); o.og.Close(); o.tm.Close() })

	// Each server behind tookRecorder and proxy; the URLs slawatch uses are the
	// proxy's, with the server's path and query.
	front := func(name, target string) (*toolRig, string) {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		rp := newReverse(u)
		rec := &tookRecorder{next: rp}
		back := httptest.NewServer(rec)
		t.Cleanup(back.Close)
		p, proxyURL := startProxy(t, back.URL, rules, seed)
		pu, _ := url.Parse(proxyURL)
		pu.Path, pu.RawQuery = u.Path, u.RawQuery
		return &toolRig{name: name, proxy: p, rec: rec}, pu.String()
	}
	pd, pdURL := front("pagerduty", o.pd.EnqueueURL())
	og, ogURL := front("opsgenie", o.og.URL)
	sl, slURL := front("slack", o.sl.APIBase())
	tm, tmURL := front("teams", o.tm.URL)
	o.tools = []*toolRig{pd, og, sl, tm}
	o.secrets = map[string]string{"FAULTS_PD_KEY": pdKey, "FAULTS_OG_KEY": ogKey, "FAULTS_SLACK_TOKEN": slackToken, "FAULTS_TEAMS_URL": tmURL}

	client := &http.Client{Timeout: 2 * time.Second}
	endpoints := map[string]string{"pagerduty": pdURL, "opsgenie": ogURL, "slack": slURL}
	builders := route.Builtin(client, time.Now, endpoints)
	slackBuild := route.Slack(docs, client, time.Now, slURL)
	builders["slack"] = func(dst policy.Destination, secret func(string) (string, bool)) (oncall.Sender, error) {
		s, err := slackBuild(dst, secret)
		if bot, ok := s.(*slack.Sender); ok {
			// The claim outlasts an invocation (4 s here), as
			// DefaultLease outlasts the function's timeout.
			bot.Lease = 5 * time.Second
		}
		return s, err
	}
	router := &route.Router{Integrations: cfg.Integrations, Builders: builders, Docs: docs,
		Secret: func(name string) (string, bool) { v, ok := o.secrets[name]; return v, ok }}
	for i, tr := range o.tools {
		tr.dl = &route.Delivery{Tool: tr.name, Router: router, Log: log, Margin: 200 * time.Millisecond,
			Backoff: oncall.Backoff{First: 50 * time.Millisecond, Max: 400 * time.Millisecond}}
		tr.queue = subscribeQueue(ctx, t, snsc, sqsc, topic, fmt.Sprintf("oncall%d", i))
	}
	return o
}

// newReverse forwards to target's scheme and host, keeping the request's
// path and query.
func newReverse(target *url.URL) http.Handler {
	tr := &http.Transport{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.Host, out.RequestURI = target.Scheme, target.Host, target.Host, ""
		res, err := tr.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, vs := range res.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	})
}

// subscribeQueue makes a queue subscribed to topic with raw delivery and
// a short visibility timeout (the compressed time's Lambda retry).
func subscribeQueue(ctx context.Context, t *testing.T, snsc *sns.Client, sqsc *sqs.Client, topic, name string) string {
	b := subscribe(ctx, t, snsc, sqsc, topic, name, alertDoc)
	if _, err := sqsc.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &b.url,
		Attributes: map[string]string{"VisibilityTimeout": "2"}}); err != nil {
		t.Fatal(err)
	}
	return b.url
}

// run works each tool's subscription with two workers until stop.
func (o *oncallRig) run(ctx context.Context, sqsc *sqs.Client, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for _, tr := range o.tools {
		for range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); tr.work(ctx, sqsc, stop) }()
		}
	}
	return &wg
}

func (tr *toolRig) work(ctx context.Context, sqsc *sqs.Client, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &tr.queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if len(out.Messages) > 0 {
			tr.mu.Lock()
			tr.lastMsg = time.Now()
			tr.mu.Unlock()
		}
		for _, m := range out.Messages {
			// An invocation's time limit, compressed: then Lambda retries.
			dctx, cancel := context.WithTimeout(ctx, 4*time.Second)
			_, err := tr.dl.Send(dctx, []byte(lambdaMessage(aws.ToString(m.Body))))
			cancel()
			tr.mu.Lock()
			tr.received++
			if err != nil {
				tr.later++
			}
			tr.mu.Unlock()
			if err == nil {
				_, _ = sqsc.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &tr.queue, ReceiptHandle: m.ReceiptHandle})
			}
		}
	}
}

// lambdaMessage is what SNS gives a Lambda subscriber: the "lambda" key of
// a MessageStructure=json message, else its "default". The emulator ignores the structure and
// delivers the whole object.
func lambdaMessage(body string) string {
	var structured map[string]string
	if json.Unmarshal([]byte(body), &structured) == nil {
		for _, k := range []string{"lambda", "default"} { // "lambda" only in the Chatbot format
			if structured[k] != "" {
				return structured[k]
			}
		}
	}
	return body
}

// faultsOff stops the tools' faults and keeps the counts of the run.
func (o *oncallRig) faultsOff() {
	for _, tr := range o.tools {
		tr.during = tr.proxy.Stats()
		tr.proxy.SetRules(faultproxy.Rules{})
	}
}

// drain waits until every subscription is empty and none has received a
// message for longer than the visibility timeout: a message being retried
// is invisible, and the emulator may not count it.
func (o *oncallRig) drain(ctx context.Context, t *testing.T, sqsc *sqs.Client, timeout time.Duration) {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		left := 0
		for _, tr := range o.tools {
			tr.mu.Lock()
			if time.Since(tr.lastMsg) < 3*time.Second {
				left++
			}
			tr.mu.Unlock()
			a, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &tr.queue,
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
					sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range a.Attributes {
				n, _ := strconv.Atoi(v)
				left += n
			}
		}
		if left == 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Errorf("on-call subscriptions not drained after %s", timeout)
}

// toolReport is what one tool received.
type toolReport struct {
	name                   string
	want, lost, dups       int
	afterRecovery          int // not sent: the clock had recovered and its incident was open(ed) already
	requests, faults       int64
	received, later        int
	incidents, multiClocks int // PagerDuty and Opsgenie: incidents or alerts; clocks with more than one
	unresolved             int // clocks recovered in slawatch and still open in the tool
}

// verifyOnCall checks every alert the topic carried (published, as the
// alert inbox received them) against what each tool took: none lost, the
// duplicates counted, one incident per clock in PagerDuty and Opsgenie and
// one message per clock in Slack, resolved when the clock recovered.
func (o *oncallRig) verify(r *report, published map[string]string) {
	clock := func(alertID string) string { // desk/T-1/first_response/0/sla.breach/0 → desk/T-1/first_response/0
		parts := strings.Split(alertID, "/")
		return strings.Join(parts[:len(parts)-2], "/")
	}
	recovered := map[string]bool{}
	for id, kind := range published {
		if kind == sla.Recovered {
			recovered[clock(id)] = true
		}
	}
	for _, tr := range o.tools {
		tp := toolReport{name: tr.name, requests: tr.during.Requests, faults: tr.during.Injected() - tr.during.Faults[faultproxy.Latency]}
		tr.mu.Lock()
		tp.received, tp.later = tr.received, tr.later
		tr.mu.Unlock()
		took := tr.rec.requests()
		wants := func(kind string) bool {
			kinds := o.cfg.Integrations[tr.name].Kinds
			if len(kinds) == 0 {
				kinds = route.DefaultKinds[tr.name]
			}
			return len(kinds) == 0 || slices.Contains(kinds, kind)
		}
		for id, kind := range published {
			if !wants(kind) {
				continue
			}
			// PagerDuty's resolve carries only the dedup key: its
			// delivery shows as the incident's status, below.
			if tr.name == "pagerduty" && kind == sla.Recovered {
				continue
			}
			tp.want++
			n := 0
			for _, q := range took {
				// Slack: the message names the incident's latest alert,
				// posted or edited in (chat.update); a thread reply names
				// only an alert that came after the recovery.
				if bytes.Contains(q.body, []byte(`"`+id+`"`)) || bytes.Contains(q.body, []byte(id+")")) || bytes.Contains(q.body, []byte("alert "+id)) || bytes.Contains(q.body, []byte("Alert "+id)) {
					n++
				}
			}
			switch {
			case n == 0 && incidentTool[tr.name] && recovered[clock(id)] && o.opened(tr.name, clock(id)):
				// Delivered after the clock's recovered, when another
				// alert had opened the incident: not sent, as it would
				// open a second one (route.incidentOrder).
				tp.afterRecovery++
			case n == 0:
				tp.lost++
				r.problem("LOST ON-CALL ALERT %s: %s never took %s", id, tr.name, kind)
			case n > 1:
				tp.dups += n - 1
			}
		}
		switch tr.name {
		case "pagerduty":
			per := map[string][]pagerdutytest.Incident{}
			for _, in := range o.pd.Incidents() {
				per[in.DedupKey] = append(per[in.DedupKey], in)
			}
			tp.incidents = len(o.pd.Incidents())
			for key, ins := range per {
				var states []string
				for _, in := range ins {
					states = append(states, in.Status)
				}
				tp.check(r, key, states, recovered[strings.TrimPrefix(key, "slawatch/")], "resolved")
			}
		case "opsgenie":
			per := map[string][]opsgenietest.Alert{}
			for _, a := range o.og.Alerts() {
				per[a.Alias] = append(per[a.Alias], a)
			}
			tp.incidents = len(o.og.Alerts())
			for alias, as := range per {
				var states []string
				for _, a := range as {
					states = append(states, a.Status)
				}
				tp.check(r, alias, states, recovered[strings.TrimPrefix(alias, "slawatch/")], "closed")
			}
		case "slack":
			// Messages per clock: posts outside a thread. Slack has no
			// idempotency key, so a post whose answer was lost is posted
			// again: counted, not a failure.
			posts := map[string]int{}
			for _, q := range took {
				if !strings.HasSuffix(q.path, "/chat.postMessage") || bytes.Contains(q.body, []byte(`"thread_ts"`)) {
					continue
				}
				for id := range published {
					if bytes.Contains(q.body, []byte("alert "+id)) {
						posts[clock(id)]++
						break
					}
				}
			}
			tp.incidents = len(o.sl.Messages(slackChan))
			for _, n := range posts {
				if n > 1 {
					tp.multiClocks++
				}
			}
		}
		r.oncall = append(r.oncall, tp)
	}
}

// incidentTool are the tools with one incident per clock.
var incidentTool = map[string]bool{"pagerduty": true, "opsgenie": true}

// opened reports whether tool has an incident for clock.
func (o *oncallRig) opened(tool, clock string) bool {
	key := "slawatch/" + clock
	if tool == "pagerduty" {
		return len(o.pd.IncidentsFor(key)) > 0
	}
	return slices.ContainsFunc(o.og.Alerts(), func(a opsgenietest.Alert) bool { return a.Alias == key })
}

// check judges the incidents (PagerDuty) or alerts (Opsgenie) one clock
// opened, with their states. One is right. A second is a counted
// duplicate if it was resolved too: a trigger whose answer was lost,
// retried after the clock's recovered had resolved the first
// (route.incidentOrder resolves it at once). More, or any left open after
// the clock recovered, is a failure.
func (tp *toolReport) check(r *report, key string, states []string, recovered bool, done string) {
	if len(states) > 1 {
		tp.multiClocks++
	}
	if len(states) > 2 {
		r.problem("%s: %d incidents for %s, want 1 (2 at worst)", tp.name, len(states), key)
	}
	for _, st := range states {
		if recovered && st != done || !recovered && len(states) > 1 {
			tp.unresolved++
			r.problem("%s: %s has incidents %v (recovered: %v)", tp.name, key, states, recovered)
			return
		}
	}
}

// line is the tool's line in the summary.
func (tp toolReport) line() string {
	s := fmt.Sprintf("%-9s %4d alerts, %d lost, %d duplicate requests taken; %d requests, %d failed by the proxy; %d received (%d retried by the subscription)",
		tp.name, tp.want, tp.lost, tp.dups, tp.requests, tp.faults, tp.received, tp.later)
	if incidentTool[tp.name] {
		s += fmt.Sprintf("; %d arrived after the clock's recovery and were not sent", tp.afterRecovery)
	}
	switch tp.name {
	case "pagerduty", "opsgenie":
		s += fmt.Sprintf("; %d incidents, %d clocks with a second one (resolved), %d clocks left wrong", tp.incidents, tp.multiClocks, tp.unresolved)
	case "slack":
		s += fmt.Sprintf("; %d messages, %d clocks with more than one", tp.incidents, tp.multiClocks)
	}
	return s
}
