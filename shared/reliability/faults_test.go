package reliability_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/slawatch/slawatch/infra/faultproxy"
	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/promise"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// The fault run's knobs; `make load` runs a longer version with more
// tickets.
var (
	faultTickets = flag.Int("faults.tickets", 200, "fault run: number of tickets")
	faultRate    = flag.Float64("faults.rate", 0.05, "fault run: rate per request of each fault kind, on DynamoDB and SNS")
	faultSeed    = flag.Uint64("faults.seed", 1, "fault run: seed of the scenario and of the proxies")
	faultSenders = flag.Int("faults.senders", 16, "fault run: webhook deliveries in flight at most")
	faultSpread  = flag.Duration("faults.spread", 0, "fault run: how long ticket creations are spread over (default 100ms a ticket)")
	faultChecks  = flag.Int("faults.checkers", 2, "fault run: checker loops running side by side")
	faultLog     = flag.Bool("faults.log", false, "fault run: print every error slawatch logs")
	faultWorkers = flag.Int("faults.workers", 0, "fault run: tickets each checker works on at once (0: checker.Checker's default)")
)

const (
	source    = "desk"
	secretEnv = "RELIABILITY_DESK_SECRET"
	secret    = "whsec-reliability-3b9f0c21"

	// The policy: first response and next reply within 3 s, one escalation
	// 2 s after the deadline, so that every alert falls due during the run.
	target        = 3 * time.Second
	escalateAfter = 2 * time.Second

	alertLease = 3 * time.Second         // the checker's claims
	ackLease   = 1500 * time.Millisecond // the acknowledgement claims
	maxLatency = 250 * time.Millisecond  // injected delays

	maxAttempts = 25 // a helpdesk's attempts at one delivery
)

var faultsConfig = `
sources:
  desk: {provider: generic, secret_env: ` + secretEnv + `}
alerts: {storm_threshold: 100000}
policies:
  - name: fast
    first_response: {within: 3s}
    next_reply: {within: 3s}
    escalation:
      - {after: 2s, notify: on-call}
`

// TestFaults is the fault run: about 200 tickets' webhooks, sent by eight
// helpdesk-like senders that retry, redeliver and reorder, go through the
// real handler, store, acknowledgement service and checkers while a proxy
// in front of DynamoDB Local and the SNS emulator injects errors,
// throttling, latency and dropped connections. Then the faults stop, the
// checker finishes, and every ticket, alert and acknowledgement is checked
// against a sequential model. See docs/RELIABILITY.md.
func TestFaults(t *testing.T) {
	dynEP, snsEP := os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT"), os.Getenv("SLAWATCH_TEST_SNS_ENDPOINT")
	if dynEP == "" || snsEP == "" {
		t.Skip("needs DynamoDB Local and the SNS/SQS emulator: infra/local/dynamodb.sh run infra/local/sns.sh run go test ./shared/reliability/ -run Faults -v")
	}
	sqsEP := cmp.Or(os.Getenv("SLAWATCH_TEST_SQS_ENDPOINT"), snsEP)
	began := time.Now()
	n := *faultTickets
	spread := *faultSpread
	if spread <= 0 {
		spread = time.Duration(n) * 100 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute+2*spread)
	defer cancel()
	t.Setenv(secretEnv, secret)

	cfg, err := policy.Parse([]byte(faultsConfig + oncallConfig))
	if err != nil {
		t.Fatal(err)
	}
	rules := faultproxy.Uniform(*faultRate, maxLatency)

	// DynamoDB: the table is made directly; slawatch goes through the proxy.
	noChecksum := func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }
	scaled := func(o *dynamodb.Options) { o.Retryer = scaledRetryer() }
	direct, err := awsdefault.NewDynamoDBClient(ctx, dynEP, noChecksum)
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("faults-%d", time.Now().UnixNano())
	if err := store.CreateTable(ctx, direct, table); err != nil {
		t.Fatal(err)
	}
	ddbProxy, ddbURL := startProxy(t, dynEP, rules, *faultSeed)
	proxied, err := awsdefault.NewDynamoDBClient(ctx, ddbURL, noChecksum, scaled)
	if err != nil {
		t.Fatal(err)
	}
	tickets, err := store.NewDynamoDB(proxied, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	check, err := store.NewDynamoDB(direct, table, nil) // the test's own reads
	if err != nil {
		t.Fatal(err)
	}

	// SNS: topics and subscriber queues are made and read directly; the
	// notifiers publish through the proxy.
	awsCfg, err := awsdefault.Load(ctx, snsEP)
	if err != nil {
		t.Fatal(err)
	}
	snsDirect := sns.NewFromConfig(awsCfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(snsEP) })
	sqsDirect := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(sqsEP) })
	snsProxy, snsURL := startProxy(t, snsEP, rules, *faultSeed+1)
	snsVia := sns.NewFromConfig(awsCfg, func(o *sns.Options) { o.BaseEndpoint, o.Retryer = aws.String(snsURL), scaledRetryer() })
	alertTopic, ackTopic := createTopic(ctx, t, snsDirect, "alerts"), createTopic(ctx, t, snsDirect, "acks")
	alertBox := subscribe(ctx, t, snsDirect, sqsDirect, alertTopic, "alerts", alertDoc)
	ackBox := subscribe(ctx, t, snsDirect, sqsDirect, ackTopic, "acks", ackDoc)

	// slawatch, wired as in production.
	logs := &logCounter{t: t}
	log := slog.New(logs)
	alerts := &notify.SNS{Client: snsVia, TopicARN: alertTopic}
	promises := &promise.Service{Config: cfg, Tickets: tickets, Queues: tickets, Log: log, Lease: ackLease,
		Acks: &notify.AckSNS{Client: snsVia, TopicARN: ackTopic}, Alerts: alerts}
	api := httpapi.New(cfg, tickets, os.LookupEnv, log)
	api.Promises, api.Queues = promises, tickets
	api.Intake.History, api.Intake.RecordLease = tickets, alertLease
	web := httptest.NewServer(api.Handler())
	defer web.Close()
	// The on-call tools, each its own subscriber of the alert topic.
	tools := startOnCall(ctx, t, cfg, rules, *faultSeed+2, snsDirect, sqsDirect, alertTopic, tickets, log)
	stopTools := make(chan struct{})
	toolWorkers := tools.run(ctx, sqsDirect, stopTools)

	loopCtx, stopLoops := context.WithCancel(ctx)
	var loops sync.WaitGroup
	for range *faultChecks { // overlapping checkers, as overlapping Lambda runs would be
		chk := &checker.Checker{Config: cfg, Tickets: tickets, Notifier: alerts, Clock: checker.RealClock{}, Log: log,
			Horizon: time.Second, Lease: alertLease, Acks: promises, Workers: *faultWorkers,
			History: &intake.Recorder{Policies: cfg, Tickets: tickets, History: tickets}}
		loops.Add(1)
		go func() { defer loops.Done(); chk.Loop(loopCtx) }()
	}
	defer func() { stopLoops(); loops.Wait() }()
	stopReading := make(chan struct{})
	var readers sync.WaitGroup
	for _, box := range []*inbox{alertBox, ackBox} {
		readers.Add(1)
		go func() { defer readers.Done(); box.read(ctx, stopReading) }()
	}

	// The helpdesks.
	plans, deliveries := scenario(*faultSeed, n, time.Now().Add(500*time.Millisecond), spread)
	sent := send(ctx, web.URL+"/webhooks/"+source, deliveries, *faultSenders)
	sendingDone := time.Now()
	t.Logf("sent %d deliveries in %s (%d attempts)", sent.deliveries, sendingDone.Sub(began).Round(100*time.Millisecond), sent.attempts)

	// Faults off; the checkers finish what is due, and acknowledgements
	// whose claim ran out are retried as the checker does.
	ddbDuring, snsDuring := ddbProxy.Stats(), snsProxy.Stats()
	ddbProxy.SetRules(faultproxy.Rules{})
	snsProxy.SetRules(faultproxy.Rules{})
	unsettled := settle(ctx, t, check, promises, plans, 45*time.Second)
	t.Logf("settled after %s", time.Since(sendingDone).Round(100*time.Millisecond))
	// The checkers stop before the inboxes are drained: one that fires a
	// later escalation while they drain would otherwise publish after the
	// last read, and its alert would count as lost.
	stopLoops()
	loops.Wait()
	// The tools fail until every alert was published: most fall due after
	// the last webhook.
	tools.faultsOff()
	close(stopReading)
	readers.Wait()
	for _, box := range []*inbox{alertBox, ackBox} {
		box.drain(ctx, t)
	}
	tools.drain(ctx, t, sqsDirect, 60*time.Second)
	close(stopTools)
	toolWorkers.Wait()

	rep := verify(ctx, t, cfg, check, plans, alertBox, ackBox, sent, sendingDone)
	tools.verify(rep, alertBox.kinds)
	rep.tickets, rep.seed, rep.rate, rep.senders, rep.checkers = n, *faultSeed, *faultRate, *faultSenders, *faultChecks
	rep.ddb, rep.sns, rep.unsettled = ddbDuring, snsDuring, len(unsettled)
	rep.ddbAfter = ddbProxy.Stats().Requests - ddbDuring.Requests
	rep.snsAfter = snsProxy.Stats().Requests - snsDuring.Requests
	rep.runtime = time.Since(began)
	t.Log("\n" + rep.String())
	t.Logf("requests and faults per operation: DynamoDB %s; SNS %s", opsLine(rep.ddb), opsLine(rep.sns))
	t.Logf("errors slawatch logged (expected under faults): %s", logs)
	if len(unsettled) > 0 {
		t.Errorf("%d tickets never settled (alerts still due or acknowledgement claims open), e.g. %v", len(unsettled), unsettled[:min(5, len(unsettled))])
	}
	if sent.failed > 0 {
		t.Errorf("%d webhook deliveries gave up after %d attempts: %v", sent.failed, maxAttempts, sent.lastErrs)
	}
	for _, p := range rep.problems {
		t.Error(p)
	}
	if *faultRate > 0 && (rep.ddb.Injected() == 0 || rep.sns.Injected() == 0) {
		t.Errorf("no faults injected: DynamoDB %v, SNS %v", rep.ddb.Faults, rep.sns.Faults)
	}
}

// checkerLags is, for each breach whose clock's start the helpdesks
// delivered (its event's first 2xx), the time from its deadline or that
// delivery, whichever was later, to the breach's publication: what of a
// breach's lateness is the checker's, not the webhooks'. n counts the
// breaches looked at.
func (r *report) checkerLags() (own []time.Duration, n int) {
	for _, d := range r.firstBreaches {
		n++
		// desk/<ticket>/<metric>/<cycle>/sla.breach/0; the clock started
		// target before the breach's instant (the policy is 24/7).
		parts := strings.Split(d.ID, "/")
		if len(parts) < 2 {
			continue
		}
		known, ok := r.sent.stored[storedKey(parts[1], d.At.Add(-target))]
		if !ok {
			continue
		}
		own = append(own, d.SentAt.Sub(later(d.At, known)))
	}
	return own, n
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// scaledRetryer is the SDK's standard retryer (3 attempts, retry quota)
// with its back-off scaled to the run's compressed time: the run plays
// hour-long SLA targets in seconds, so the SDK's back-off of up to 20 s
// (a second or two for the first retries) becomes up to 50 ms, then
// 100 ms.
func scaledRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
			return rand.N(25 * time.Millisecond << min(attempt, 4)), nil
		})
	})
}

func startProxy(t *testing.T, endpoint string, rules faultproxy.Rules, seed uint64) (*faultproxy.Proxy, string) {
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := faultproxy.New(u, rules, seed)
	srv := httptest.NewServer(p)
	t.Cleanup(func() { srv.Close(); p.Close() })
	return p, srv.URL
}

func createTopic(ctx context.Context, t *testing.T, c *sns.Client, name string) string {
	out, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(fmt.Sprintf("faults-%s-%d", name, time.Now().UnixNano()))})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TopicArn)
}

// inbox is a queue subscribed to a topic, read directly (never through the
// proxy), counting deliveries by document id.
type inbox struct {
	sqs   *sqs.Client
	url   string
	parse func(body string) (doc, error)

	mu    sync.Mutex
	count map[string]int
	kinds map[string]string
	lags  []time.Duration // first delivery of each breach: sent_at − at
	first []doc           // first delivery of each breach
	bad   []string
}

// doc is what the run reads of a delivered message.
type doc struct {
	ID, Kind, Schema string
	At, SentAt       time.Time `json:"-"`
}

func subscribe(ctx context.Context, t *testing.T, snsc *sns.Client, sqsc *sqs.Client, topic, name string, parse func(string) (doc, error)) *inbox {
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("faults-%s-%d", name, time.Now().UnixNano()))})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"),
		Endpoint: aws.String(attrs.Attributes["QueueArn"]), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	return &inbox{sqs: sqsc, url: aws.ToString(q.QueueUrl), parse: parse, count: map[string]int{}, kinds: map[string]string{}}
}

// poll receives and deletes one batch, waiting up to wait seconds.
func (b *inbox) poll(ctx context.Context, wait int32) (int, error) {
	out, err := b.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &b.url, MaxNumberOfMessages: 10, WaitTimeSeconds: wait})
	if err != nil {
		return 0, err
	}
	var del []sqstypes.DeleteMessageBatchRequestEntry
	b.mu.Lock()
	for i, m := range out.Messages {
		d, err := b.parse(aws.ToString(m.Body))
		if err != nil {
			b.bad = append(b.bad, err.Error())
		} else {
			b.count[d.ID]++
			b.kinds[d.ID] = d.Kind
			if d.Kind == sla.Breach && b.count[d.ID] == 1 {
				b.lags = append(b.lags, d.SentAt.Sub(d.At))
				b.first = append(b.first, d)
			}
		}
		del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
	}
	b.mu.Unlock()
	if len(del) > 0 {
		if _, err := b.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &b.url, Entries: del}); err != nil {
			return len(del), err
		}
	}
	return len(out.Messages), nil
}

// read polls until stop is closed. A poll in flight is let finish: one
// cancelled mid-way could leave messages received but unread, hidden for
// the queue's visibility timeout.
func (b *inbox) read(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if _, err := b.poll(ctx, 1); err != nil && ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// drain reads until the queue stays empty for two polls.
func (b *inbox) drain(ctx context.Context, t *testing.T) {
	for empty := 0; empty < 2; {
		got, err := b.poll(ctx, 1)
		if err != nil {
			t.Fatalf("drain %s: %v", b.url, err)
		}
		if got == 0 {
			empty++
		} else {
			empty = 0
		}
	}
}

// alertDoc reads an alert's id and kind. The emulator ignores
// MessageStructure=json and delivers the whole object; SNS would deliver
// its "default" (for SQS) key, the slawatch.alert/1 document.
func alertDoc(body string) (doc, error) {
	var structured map[string]string
	text := body
	if json.Unmarshal([]byte(body), &structured) == nil && structured["default"] != "" {
		text = structured["default"]
	}
	var a struct {
		ID     string    `json:"id"`
		Kind   string    `json:"kind"`
		At     time.Time `json:"at"`
		SentAt time.Time `json:"sent_at"`
	}
	if err := json.Unmarshal([]byte(text), &a); err != nil || a.ID == "" {
		return doc{}, fmt.Errorf("alert message %.200q: %v", body, err)
	}
	return doc{ID: a.ID, Kind: a.Kind, At: a.At, SentAt: a.SentAt}, nil
}

// ackDoc reads an acknowledgement's id.
func ackDoc(body string) (doc, error) {
	var a doc
	if err := json.Unmarshal([]byte(body), &a); err != nil || a.ID == "" {
		return doc{}, fmt.Errorf("acknowledgement message %.200q: %v", body, err)
	}
	return a, nil
}

// ticketPlan is one ticket's story: its events in the order they occur.
type ticketPlan struct {
	id     string
	events []event.Event
}

// delivery is one webhook a helpdesk sends at a given time.
type delivery struct {
	at   time.Time
	body []byte
	note string // "", "duplicate", "out of order"
	// The event's ticket and time: when it was first stored tells a
	// breach late because its clock's start reached slawatch late from
	// one the checker sent late.
	ticket   string
	occurred time.Time
}

// scenario writes n tickets' stories, created over spread from start, and
// the webhooks that deliver them. Every ticket is created by a customer;
// the first response comes in time (45%), late (35%) or never; after it
// the customer may write again (a next-reply cycle), answered in time,
// late or never. 1–3 messages follow the creation. One event in ten is
// delivered again later (a duplicate) and one in ten, other than the
// creation, after the event that follows it (out of order).
func scenario(seed uint64, n int, start time.Time, spread time.Duration) ([]*ticketPlan, []delivery) {
	rng := rand.New(rand.NewPCG(seed, 0x5ce7a410))
	between := func(a, b time.Duration) time.Duration { return a + time.Duration(rng.Float64()*float64(b-a)) }
	ms := func(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }
	var plans []*ticketPlan
	var out []delivery
	for i := range n {
		p := &ticketPlan{id: fmt.Sprintf("F-%04d", i)}
		created := ms(start.Add(spread * time.Duration(i) / time.Duration(max(n, 1))))
		channel, zone := event.Chat, ""
		if rng.IntN(5) == 0 {
			channel = event.Email
		}
		if rng.IntN(4) == 0 {
			zone = "Europe/Paris"
		}
		add := func(kind event.Kind, at time.Time, author event.Role) {
			e := event.Event{Source: source, TicketID: p.id, ID: fmt.Sprintf("%s-e%d", p.id, len(p.events)), Kind: kind,
				OccurredAt: ms(at), Author: author}
			switch kind {
			case event.TicketCreated:
				e.Channel, e.Priority, e.CustomerZone = channel, event.Normal, zone
			case event.AgentReply:
				e.Public = true
			}
			p.events = append(p.events, e)
		}
		add(event.TicketCreated, created, event.Customer)
		reply := func(from time.Time) (time.Time, bool) {
			switch r := rng.Float64(); {
			case r < 0.45:
				return from.Add(between(1600*time.Millisecond, 2600*time.Millisecond)), true
			case r < 0.8:
				return from.Add(between(3400*time.Millisecond, 6*time.Second)), true
			}
			return time.Time{}, false
		}
		if at, ok := reply(created); ok {
			add(event.AgentReply, at, event.Agent)
			if rng.IntN(3) < 2 {
				asked := at.Add(between(300*time.Millisecond, time.Second))
				add(event.CustomerMessage, asked, event.Customer)
				if rng.IntN(2) == 0 {
					if at, ok := reply(asked); ok {
						add(event.AgentReply, at, event.Agent)
					}
				}
			}
		} else {
			at := created.Add(between(500*time.Millisecond, 2500*time.Millisecond))
			add(event.CustomerMessage, at, event.Customer)
			if rng.IntN(2) == 0 {
				add(event.CustomerMessage, at.Add(between(500*time.Millisecond, 2*time.Second)), event.Customer)
			}
		}
		for j, e := range p.events {
			body, err := json.Marshal(e)
			if err != nil {
				panic(err)
			}
			at, note := e.OccurredAt, ""
			if j > 0 && j+1 < len(p.events) && rng.IntN(10) == 0 {
				at, note = p.events[j+1].OccurredAt.Add(between(200*time.Millisecond, time.Second)), "out of order"
			}
			out = append(out, delivery{at: at, body: body, note: note, ticket: e.TicketID, occurred: e.OccurredAt})
			if rng.IntN(10) == 0 {
				out = append(out, delivery{at: at.Add(between(100*time.Millisecond, 3*time.Second)), body: body, note: "duplicate",
					ticket: e.TicketID, occurred: e.OccurredAt})
			}
		}
		plans = append(plans, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return plans, out
}

// sendStats counts what the helpdesks did.
type sendStats struct {
	deliveries, duplicates, reordered int
	attempts                          int64
	failed                            int64
	statuses                          map[int]int // of failed attempts; 0: connection error
	lastErrs                          []string
	latency                           []time.Duration      // of every attempt
	waited                            []time.Duration      // of every delivery: its first attempt − its time
	took                              []time.Duration      // of every delivery: its first 2xx − its time
	stored                            map[string]time.Time // by storedKey: the first 2xx of an event
	tried                             map[string]time.Time // by storedKey: the first attempt of an event
}

func storedKey(ticket string, occurred time.Time) string {
	return ticket + "@" + strconv.FormatInt(occurred.UnixMilli(), 10)
}

// send delivers the webhooks at their times, at most senders at once. Like
// a helpdesk, each delivery is its own job, started when its event happens
// whatever the others are doing, and retried with backoff until it gets a
// 2xx, up to maxAttempts. (A fixed pool of 8 workers that each held a
// delivery through its retries fell 4 s behind the events, and that lag,
// not slawatch's, was most of a breach's lateness.)
func send(ctx context.Context, url string, ds []delivery, senders int) sendStats {
	st := sendStats{deliveries: len(ds), statuses: map[int]int{}, stored: map[string]time.Time{}, tried: map[string]time.Time{}}
	for _, d := range ds {
		switch d.note {
		case "duplicate":
			st.duplicates++
		case "out of order":
			st.reordered++
		}
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	var mu sync.Mutex
	var attempts, failed atomic.Int64
	slots := make(chan struct{}, max(senders, 1))
	deliver := func(d delivery) {
		k := storedKey(d.ticket, d.occurred)
		mu.Lock()
		st.waited = append(st.waited, time.Since(d.at))
		if st.tried[k].IsZero() {
			st.tried[k] = time.Now()
		}
		mu.Unlock()
		for attempt := 1; ; attempt++ {
			attempts.Add(1)
			t0 := time.Now()
			status, err := post(ctx, client, url, d.body)
			mu.Lock()
			st.latency = append(st.latency, time.Since(t0))
			mu.Unlock()
			if err == nil && status/100 == 2 {
				mu.Lock()
				st.took = append(st.took, time.Since(d.at))
				if st.stored[k].IsZero() {
					st.stored[k] = time.Now()
				}
				mu.Unlock()
				return
			}
			mu.Lock()
			st.statuses[status]++
			if attempt == maxAttempts {
				failed.Add(1)
				st.lastErrs = append(st.lastErrs, fmt.Sprintf("%d %v", status, err))
			}
			mu.Unlock()
			if attempt == maxAttempts || ctx.Err() != nil {
				return
			}
			backoff := min(100*time.Millisecond<<(attempt-1), 2*time.Second)
			<-slots // a job waiting to retry holds no connection
			time.Sleep(backoff/2 + rand.N(backoff/2))
			slots <- struct{}{}
		}
	}
	var wg sync.WaitGroup
	for _, d := range ds {
		time.Sleep(time.Until(d.at))
		slots <- struct{}{}
		wg.Go(func() { defer func() { <-slots }(); deliver(d) })
	}
	wg.Wait()
	st.attempts, st.failed = attempts.Load(), failed.Load()
	return st
}

func post(ctx context.Context, c *http.Client, url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(generic.SignatureHeader, generic.Sign([]byte(secret), body))
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// answeredFirst reports whether the plan's first response was sent to
// slawatch before its creation was stored.
func answeredFirst(p *ticketPlan, sent sendStats) bool {
	created := sent.stored[storedKey(p.id, p.events[0].OccurredAt)]
	for _, e := range p.events {
		if e.Kind == event.AgentReply {
			tried, ok := sent.tried[storedKey(p.id, e.OccurredAt)]
			return ok && !created.IsZero() && tried.Before(created)
		}
	}
	return false
}

// settled reports whether a ticket has nothing left to do: no alert due or
// claimed, and its acknowledgement sent or skipped.
func settled(t sla.Ticket) bool {
	return len(t.Pending) == 0 && len(t.Outbox) == 0 && (t.Ack == nil || t.Ack.Done()) && t.RecordAt == nil
}

// settle waits until every ticket is settled, calling Observe for tickets
// whose acknowledgement claim has run out (as the checker does); it returns
// the tickets still unsettled at the timeout.
func settle(ctx context.Context, t *testing.T, check *store.DynamoDB, promises *promise.Service, plans []*ticketPlan, timeout time.Duration) []string {
	end := time.Now().Add(timeout)
	for {
		var open []string
		for _, p := range plans {
			k := store.Key{Source: source, ID: p.id}
			tk, err := check.Get(ctx, k)
			if err != nil {
				t.Fatalf("settle: %s: %v", p.id, err)
			}
			if settled(tk) {
				continue
			}
			open = append(open, p.id)
			if a := tk.Ack; a != nil && !a.Done() && !a.ClaimedUntil.After(time.Now()) {
				_ = promises.Observe(ctx, k) // a failure is retried on the next pass
			}
		}
		if len(open) == 0 || time.Now().After(end) {
			return open
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// clock is one run of an SLA clock in the model.
type clock struct {
	metric    string
	cycle     int
	due       *time.Time
	responded *time.Time
}

// clocks replays the events one by one (as sla.Apply orders them) and
// returns every clock with its final state: the first response and each
// next-reply cycle.
func clocks(cfg *policy.Config, id string, events []event.Event) []clock {
	byKey := map[string]clock{}
	var order []string
	for i := range events {
		s := sla.Evaluate(cfg, source, id, events[:i+1], nil, nil)
		for _, m := range []struct {
			name string
			m    *sla.Metric
		}{{sla.FirstResponse, s.FirstResponse}, {sla.NextReply, s.NextReply}} {
			if m.m == nil {
				continue
			}
			key := fmt.Sprintf("%s/%d", m.name, m.m.Cycle)
			if _, ok := byKey[key]; !ok {
				order = append(order, key)
			}
			byKey[key] = clock{metric: m.name, cycle: m.m.Cycle, due: m.m.DueAt, responded: m.m.RespondedAt}
		}
	}
	out := make([]clock, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

func alertID(ticket string, c clock, kind string, level int) string {
	return fmt.Sprintf("%s/%s/%s/%d/%s/%d", source, ticket, c.metric, c.cycle, kind, level)
}

// report is the fault run's outcome.
type report struct {
	tickets, senders, checkers int
	seed                       uint64
	rate                       float64
	sent                       sendStats
	ddb, sns                   faultproxy.Stats // while the faults were on
	ddbAfter, snsAfter         int64            // requests after
	unsettled                  int
	runtime                    time.Duration

	events, lostTickets                                       int
	alertsMust, alertsMissing, lostLate, lostRecorded         int
	alertsDelivered, alertDups, alertsExtra, predicted        int
	lags                                                      []time.Duration
	firstBreaches                                             []doc
	acksWanted, acksDelivered, acksSkipped, acksLost, ackDups int
	historyWant, historyLost, historyDouble                   int64
	oncall                                                    []toolReport
	problems                                                  []string
}

func (r *report) problem(format string, args ...any) {
	if len(r.problems) < 40 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

// verify compares every stored ticket with the sequential model and every
// alert and acknowledgement the model and the tickets call for with what the
// subscriber queues received.
func verify(ctx context.Context, t *testing.T, cfg *policy.Config, check *store.DynamoDB, plans []*ticketPlan, alerts, acks *inbox, sent sendStats, sendingDone time.Time) *report {
	r := &report{sent: sent}
	must := map[string]bool{}
	answeredLate := map[string]bool{} // breach and recovered of clocks answered after their deadline
	recorded := map[string]bool{}     // in a ticket's Fired

	for _, p := range plans {
		k := store.Key{Source: source, ID: p.id}
		got, err := check.Get(ctx, k)
		if err != nil {
			t.Fatalf("verify %s: %v", p.id, err)
		}
		want := sla.New(source, p.id)
		for _, e := range p.events {
			if want, _, err = sla.Apply(cfg, want, e); err != nil {
				t.Fatalf("model %s: %v", p.id, err)
			}
		}
		r.events += len(p.events)
		if diff := compare(got, want); diff != "" {
			r.lostTickets++
			r.problem("LOST TICKET UPDATE %s: stored state differs from the sequential model: %s", p.id, diff)
		}

		// Alerts the model says must fire: a breach for every clock
		// answered after its deadline or never; recovered for those
		// answered after it; the escalation for clocks never answered.
		for _, c := range clocks(cfg, p.id, want.Events) {
			if c.due == nil || c.due.After(sendingDone) {
				continue
			}
			var ids []string
			late := c.responded != nil && c.responded.After(*c.due)
			if c.responded == nil || late {
				ids = append(ids, alertID(p.id, c, sla.Breach, 0))
			}
			if late {
				ids = append(ids, alertID(p.id, c, sla.Recovered, 0))
			}
			if c.responded == nil && !c.due.Add(escalateAfter).After(sendingDone) {
				ids = append(ids, alertID(p.id, c, sla.Escalation, 1))
			}
			for _, id := range ids {
				must[id], answeredLate[id] = true, late
			}
		}
		// Every alert the ticket records as sent must have arrived.
		for key := range got.Fired {
			must[source+"/"+p.id+"/"+key] = true
			recorded[source+"/"+p.id+"/"+key] = true
		}

		// Acknowledgements: every customer-created ticket gets one, unless
		// it was answered before the acknowledgement could go out: marked
		// skipped when a claim was made, or never begun when the reply
		// was on its way before the creation was stored (its delivery
		// retried past the reply's).
		r.acksWanted++
		ackID := source + "/" + p.id + "/ack"
		acks.mu.Lock()
		delivered := acks.count[ackID]
		acks.mu.Unlock()
		switch a := got.Ack; {
		case delivered > 0:
			r.acksDelivered++
			r.ackDups += delivered - 1
		case a != nil && a.Skipped == "answered":
			r.acksSkipped++
		case a == nil && answeredFirst(p, sent):
			r.acksSkipped++
		default:
			r.acksLost++
			r.problem("LOST ACKNOWLEDGEMENT %s: none on the queue; ticket's acknowledgement %+v", p.id, a)
		}
	}

	alerts.mu.Lock()
	defer alerts.mu.Unlock()
	r.alertsMust = len(must)
	r.lags = slices.Clone(alerts.lags)
	r.firstBreaches = slices.Clone(alerts.first)
	for id := range must {
		if alerts.count[id] > 0 {
			continue
		}
		r.alertsMissing++
		switch {
		case recorded[id]:
			r.lostRecorded++
		case answeredLate[id]:
			r.lostLate++
		}
		r.problem("LOST ALERT %s: never delivered (%s)", id, lostWhy(ctx, check, id))
	}
	for id, c := range alerts.count {
		r.alertsDelivered++
		r.alertDups += c - 1
		switch {
		case alerts.kinds[id] == notify.KindPredicted:
			r.predicted++
		case !must[id]:
			r.alertsExtra++
		}
	}
	for _, b := range append(slices.Clone(alerts.bad), acks.bad...) {
		r.problem("unreadable message: %s", b)
	}
	r.verifyHistory(ctx, t, cfg, check, plans)
	return r
}

// verifyHistory compares the history's day aggregates with the clocks the
// sequential model ended, and the promises the stored acknowledgements
// made: each must be counted exactly once, in its group and with its
// outcome.
func (r *report) verifyHistory(ctx context.Context, t *testing.T, cfg *policy.Config, check *store.DynamoDB, plans []*ticketPlan) {
	type key struct {
		date  calendar.Date
		group history.Group
	}
	want := map[key][3]int64{}
	var from, to calendar.Date
	for _, p := range plans {
		model := sla.New(source, p.id)
		for _, e := range p.events {
			model, _, _ = sla.Apply(cfg, model, e)
		}
		// The events do not derive the acknowledgement, and so the promise
		// record: it is the one the acknowledger stored, whenever it was
		// sent (before the reply: a promise record; after it: none).
		stored, err := check.Get(ctx, store.Key{Source: source, ID: p.id})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("verify history: get %s: %v", p.id, err)
		}
		model.Ack = stored.Ack
		for _, rec := range sla.Ended(cfg, model) {
			d := history.DateOf(rec)
			if from == (calendar.Date{}) || d.String() < from.String() {
				from = d
			}
			if d.String() > to.String() {
				to = d
			}
			k := key{d, history.GroupOf(rec)}
			c := want[k]
			switch rec.Outcome {
			case history.Met:
				c[0]++
			case history.Breached:
				c[1]++
			case history.NotNeeded:
				c[2]++
			}
			want[k] = c
			r.historyWant++
		}
	}
	if r.historyWant == 0 {
		return
	}
	days, err := check.Days(ctx, from, to)
	if err != nil {
		t.Fatalf("verify history: %v", err)
	}
	got := map[key][3]int64{}
	for _, d := range days {
		got[key{d.Date, d.Group}] = [3]int64{d.Met, d.Breached, d.NotNeeded}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			want[k] = [3]int64{}
		}
	}
	for k, w := range want {
		g := got[k]
		for i := range w {
			switch {
			case g[i] < w[i]:
				r.historyLost += w[i] - g[i]
			case g[i] > w[i]:
				r.historyDouble += g[i] - w[i]
			}
		}
		if g != w {
			r.problem("HISTORY %s %+v: counted (met, breached, not needed) %v, want %v", k.date, k.group, g, w)
		}
	}
}

// lostWhy says what the stored ticket knows of a missing alert.
func lostWhy(ctx context.Context, check *store.DynamoDB, id string) string {
	parts := strings.SplitN(id, "/", 3)
	tk, err := check.Get(ctx, store.Key{Source: parts[0], ID: parts[1]})
	if err != nil {
		return err.Error()
	}
	if at, ok := tk.Fired[parts[2]]; ok {
		return "the ticket records it as sent at " + at.Format("15:04:05.000")
	}
	m := tk.FirstResponse
	if strings.Contains(parts[2], sla.NextReply) {
		m = tk.NextReply
	}
	if m == nil {
		return "the ticket never sent it"
	}
	return fmt.Sprintf("the ticket never sent it: clock due %s, responded %s, breach %v", fmtTime(m.DueAt), fmtTime(m.RespondedAt), m.Breach)
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Format("15:04:05.000")
}

// compare returns how got differs from the model in the fields that
// matter, or "".
func compare(got, want sla.Ticket) string {
	var d []string
	ids := func(t sla.Ticket) string {
		var s []string
		for _, e := range t.Events {
			s = append(s, e.ID)
		}
		return strings.Join(s, ",")
	}
	if g, w := ids(got), ids(want); g != w {
		d = append(d, fmt.Sprintf("events [%s], want [%s]", g, w))
	}
	if got.Status != want.Status {
		d = append(d, fmt.Sprintf("status %s, want %s", got.Status, want.Status))
	}
	metric := func(name string, g, w *sla.Metric) {
		if (g == nil) != (w == nil) {
			d = append(d, fmt.Sprintf("%s present %v, want %v", name, g != nil, w != nil))
			return
		}
		if g == nil {
			return
		}
		if fmtTime(g.RespondedAt) != fmtTime(w.RespondedAt) || g.Breach != w.Breach || fmtTime(g.DueAt) != fmtTime(w.DueAt) || g.Cycle != w.Cycle {
			d = append(d, fmt.Sprintf("%s cycle %d due %s responded %s breach %v, want cycle %d due %s responded %s breach %v", name,
				g.Cycle, fmtTime(g.DueAt), fmtTime(g.RespondedAt), g.Breach, w.Cycle, fmtTime(w.DueAt), fmtTime(w.RespondedAt), w.Breach))
		}
	}
	metric("first response", got.FirstResponse, want.FirstResponse)
	metric("next reply", got.NextReply, want.NextReply)
	if got.NextReplyCycles != want.NextReplyCycles || got.NextReplyBreaches != want.NextReplyBreaches {
		d = append(d, fmt.Sprintf("next-reply cycles %d breaches %d, want %d and %d", got.NextReplyCycles, got.NextReplyBreaches, want.NextReplyCycles, want.NextReplyBreaches))
	}
	return strings.Join(d, "; ")
}

// String is the summary block docs/RELIABILITY.md quotes.
func (r *report) String() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("fault run: %d tickets, seed %d, %d senders, %d checkers, each fault kind on %.0f%% of requests (latency up to %s)",
		r.tickets, r.seed, r.senders, r.checkers, 100*r.rate, maxLatency)
	w("webhooks:  %d events, %d deliveries (%d duplicates, %d out of order), %d attempts (%d retried: %s), %d gave up",
		r.events, r.sent.deliveries, r.sent.duplicates, r.sent.reordered, r.sent.attempts, r.sent.attempts-int64(r.sent.deliveries), statuses(r.sent.statuses), r.sent.failed)
	w("           webhook answer p50 %s, p99 %s, max %s", pct(r.sent.latency, 50), pct(r.sent.latency, 99), pct(r.sent.latency, 100))
	w("           first attempt after its time p50 %s, p99 %s; first 2xx after its time p50 %s, p99 %s",
		pct(r.sent.waited, 50), pct(r.sent.waited, 99), pct(r.sent.took, 50), pct(r.sent.took, 99))
	w("faults:    %-10s %9s %9s", "kind", "DynamoDB", "SNS")
	for _, k := range faultproxy.Kinds() {
		w("           %-10s %9d %9d", k, r.ddb.Faults[k], r.sns.Faults[k])
	}
	w("           %-10s %9d %9d  (%.0f%% and %.0f%% failed; then %d and %d more without faults)", "requests", r.ddb.Requests, r.sns.Requests,
		faulted(r.ddb), faulted(r.sns), r.ddbAfter, r.snsAfter)
	w("tickets:   %d checked against the sequential model, %d lost", r.tickets, r.lostTickets)
	w("alerts:    %d required, %d lost: %d breach or recovered of a clock answered after its deadline never sent, %d recorded as sent but not delivered, %d other",
		r.alertsMust, r.alertsMissing, r.lostLate, r.lostRecorded, r.alertsMissing-r.lostLate-r.lostRecorded)
	w("           %d alert ids delivered, %d duplicate deliveries, %d not required (e.g. a breach before a late webhook), %d predicted breaches",
		r.alertsDelivered, r.alertDups, r.alertsExtra, r.predicted)
	w("           breach sent after its deadline: p50 %s, p99 %s, max %s", pct(r.lags, 50), pct(r.lags, 99), pct(r.lags, 100))
	if own, n := r.checkerLags(); n > 0 {
		w("           … after its deadline or its clock's start reaching slawatch, if later (the checker's part; %d of %d): p50 %s, p99 %s, max %s",
			len(own), n, pct(own, 50), pct(own, 99), pct(own, 100))
	}
	w("acks:      %d customer tickets, %d acknowledged, %d skipped (answered first), %d lost, %d duplicate deliveries",
		r.acksWanted, r.acksDelivered, r.acksSkipped, r.acksLost, r.ackDups)
	w("history:   %d ended clocks in the model, %d lost, %d counted twice (or in the wrong group or outcome)", r.historyWant, r.historyLost, r.historyDouble)
	for i, tp := range r.oncall {
		label := "on-call:"
		if i > 0 {
			label = ""
		}
		w("%-10s %s", label, tp.line())
	}
	w("settled:   %d tickets left unsettled; run took %s", r.unsettled, r.runtime.Round(100*time.Millisecond))
	w("reproduce: infra/local/dynamodb.sh run infra/local/sns.sh run go test ./shared/reliability/ -run Faults -v")
	return b.String()
}

// faulted is the share of requests that failed, in percent: answered with
// an error or dropped (delays not counted).
func faulted(st faultproxy.Stats) float64 {
	if st.Requests == 0 {
		return 0
	}
	n := st.Injected() - st.Faults[faultproxy.Latency]
	return 100 * float64(n) / float64(st.Requests)
}

// opsLine lists each operation's requests and faults.
func opsLine(st faultproxy.Stats) string {
	names := make([]string, 0, len(st.Ops))
	for name := range st.Ops {
		names = append(names, name)
	}
	slices.Sort(names)
	var s []string
	for _, name := range names {
		op := st.Ops[name]
		var n int64
		for _, v := range op.Faults {
			n += v
		}
		s = append(s, fmt.Sprintf("%s %d (%d faults)", name, op.Requests, n))
	}
	return strings.Join(s, ", ")
}

// pct returns the p-th percentile of ds, rounded.
func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	d := s[min(len(s)-1, len(s)*p/100)]
	return d.Round(time.Millisecond).String()
}

func statuses(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var s []string
	for _, k := range keys {
		name := fmt.Sprint(k)
		if k == 0 {
			name = "conn"
		}
		s = append(s, fmt.Sprintf("%s×%d", name, m[k]))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " ")
}

// logCounter is a slog handler counting records at error level by message
// (and with -faults.log printing them).
type logCounter struct {
	t  *testing.T
	mu sync.Mutex
	n  map[string]int
}

func (l *logCounter) Enabled(_ context.Context, lvl slog.Level) bool { return lvl >= slog.LevelError }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == nil {
		l.n = map[string]int{}
	}
	l.n[r.Message]++
	if *faultLog {
		var attrs []string
		r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a.String()); return true })
		l.t.Log(r.Message, attrs)
	}
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }
func (l *logCounter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]string, 0, len(l.n))
	for k := range l.n {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var s []string
	for _, k := range keys {
		s = append(s, fmt.Sprintf("%q×%d", k, l.n[k]))
	}
	return strings.Join(s, ", ")
}
