package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/slawatch/slawatch/functions/internal/runtimeapi"
	"github.com/slawatch/slawatch/shared/awsdefault"
	"github.com/slawatch/slawatch/shared/lambdaenv/lambdaenvtest"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty/pagerdutytest"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/store"
)

// The story's configuration: chat answered within 3 seconds, so that the
// breach falls due during the test.
const storyConfig = `
sources:
  desk: {provider: generic, secret_env: DESK_WEBHOOK_SECRET}
alerts: {storm_threshold: 100}
policies:
  - name: fast-chat
    match: {channel: chat}
    first_response: {within: 3s}
integrations:
  pagerduty: {routing_key_env: PD_ROUTING_KEY}
`

// routingKey is the story's PagerDuty routing key, from the secret.
const routingKey = "e2e0123456789abcdef0123456789abc"

// A secret long enough to find if it leaked into any output.
const webhookSecret = "whsec-e2e-7f3a9c21d4b84e6f"

// buf is an output buffer safe for the function process's writer goroutine.
type buf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type function struct {
	name      string
	h         *runtimeapi.Harness
	out, errs *buf
	size      int64
}

// sqsQueue is a queue on the SNS/SQS server, optionally subscribed to a
// topic.
type sqsQueue struct {
	url string
	arn string
}

type world struct {
	t   *testing.T
	ctx context.Context
	sns *sns.Client
	sqs *sqs.Client
	env map[string]string
	fns map[string]*function
	ssm *lambdaenvtest.Server // the configuration parameter's versions
}

func endpoints(t *testing.T) (dynamo, snsEP string) {
	dynamo, snsEP = os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT"), os.Getenv("SLAWATCH_TEST_SNS_ENDPOINT")
	if dynamo == "" || snsEP == "" {
		t.Skip("needs DynamoDB Local and the SNS/SQS server: run through make test (infra/local/dynamodb.sh run infra/local/sns.sh run go test ./functions/)")
	}
	return dynamo, snsEP
}

func newWorld(t *testing.T) *world {
	dynamo, snsEP := endpoints(t)
	// The 2 minutes are for the story, not for compiling: on a new machine
	// building the bootstraps alone takes longer (TestMain does it).
	for _, pkg := range bootstraps {
		if !runtimeapi.Built(pkg) {
			t.Fatalf("%s is not built before the test's clock starts", pkg)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	w := &world{
		t: t, ctx: ctx,
		sns: sns.New(sns.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(snsEP)}),
		sqs: sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(snsEP)}),
		fns: map[string]*function{},
	}
	// The table, as the template defines it.
	client, err := awsdefault.NewDynamoDBClient(ctx, dynamo)
	if err != nil {
		t.Fatal(err)
	}
	table := fmt.Sprintf("story-%d", time.Now().UnixNano())
	if err := store.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	const secretsARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:slawatch-e2e"
	fake := lambdaenvtest.New(t, map[string]string{secretsARN: `{"DESK_WEBHOOK_SECRET":"` + webhookSecret + `","PD_ROUTING_KEY":"` + routingKey + `"}`},
		map[string]string{"/slawatch/config": storyConfig})
	w.ssm = fake
	w.env = map[string]string{
		// DynamoDB Local keeps a database per access key and region: the
		// functions must sign as the test did when it created the table.
		"AWS_ACCESS_KEY_ID":                "local",
		"AWS_SECRET_ACCESS_KEY":            "local",
		"AWS_SESSION_TOKEN":                "",
		"AWS_ENDPOINT_URL_DYNAMODB":        dynamo,
		"AWS_ENDPOINT_URL_SNS":             snsEP,
		"AWS_ENDPOINT_URL_SQS":             snsEP,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": fake.URL,
		"AWS_ENDPOINT_URL_SSM":             fake.URL,
		"SLAWATCH_TABLE":                   table,
		"SLAWATCH_CONFIG_PARAMETER":        "/slawatch/config",
		"SLAWATCH_SECRETS_ARN":             secretsARN,
		"SLAWATCH_ALERT_TOPIC_ARN":         w.topic("alerts"),
		"SLAWATCH_ACK_TOPIC_ARN":           w.topic("acks"),
		"SLAWATCH_OBSERVE_QUEUE_URL":       w.queue("observe").url,
	}
	return w
}

func (w *world) topic(name string) string {
	out, err := w.sns.CreateTopic(w.ctx, &sns.CreateTopicInput{Name: aws.String(fmt.Sprintf("e2e-%s-%d", name, time.Now().UnixNano()))})
	if err != nil {
		w.t.Fatal(err)
	}
	return aws.ToString(out.TopicArn)
}

func (w *world) queue(name string) sqsQueue {
	out, err := w.sqs.CreateQueue(w.ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("e2e-%s-%d", name, time.Now().UnixNano()))})
	if err != nil {
		w.t.Fatal(err)
	}
	attrs, err := w.sqs.GetQueueAttributes(w.ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		w.t.Fatal(err)
	}
	return sqsQueue{url: aws.ToString(out.QueueUrl), arn: attrs.Attributes["QueueArn"]}
}

// subscriber is a queue receiving what a topic publishes.
func (w *world) subscriber(topicARN, name string) sqsQueue {
	q := w.queue(name)
	if _, err := w.sns.Subscribe(w.ctx, &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String("sqs"),
		Endpoint: aws.String(q.arn), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		w.t.Fatal(err)
	}
	return q
}

// receive reads up to want messages (waiting up to 5 s for them).
func (w *world) receive(q sqsQueue, want int) []sqsMessage {
	var got []sqsMessage
	for end := time.Now().Add(5 * time.Second); len(got) < want && time.Now().Before(end); {
		out, err := w.sqs.ReceiveMessage(w.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			w.t.Fatal(err)
		}
		for _, m := range out.Messages {
			got = append(got, sqsMessage{id: aws.ToString(m.MessageId), body: aws.ToString(m.Body)})
			_, _ = w.sqs.DeleteMessage(w.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: m.ReceiptHandle})
		}
	}
	return got
}

type sqsMessage struct{ id, body string }

// start builds and starts a function under the Runtime API harness.
func (w *world) start(name, pkg string, timeout time.Duration) *function {
	bin := runtimeapi.Build(w.t, pkg)
	f := &function{name: name, out: &buf{}, errs: &buf{}, size: runtimeapi.Size(bin)}
	h, err := runtimeapi.Start(w.ctx, runtimeapi.Options{Binary: bin, Env: w.env, FunctionName: "slawatch-" + name,
		Timeout: timeout, Stdout: f.out, Stderr: f.errs})
	if err != nil {
		w.t.Fatal(err)
	}
	f.h = h
	w.t.Cleanup(func() {
		if err := h.Close(); err != nil {
			w.t.Errorf("%s: %v", name, err)
		}
	})
	w.fns[name] = f
	return f
}

func (w *world) invoke(f *function, payload any) runtimeapi.Result {
	w.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		w.t.Fatal(err)
	}
	res, err := f.h.Invoke(w.ctx, b)
	if err != nil {
		w.t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", f.name, err, f.out.String(), f.errs.String())
	}
	if res.Err != nil {
		w.t.Fatalf("%s: function error %v\nstdout:\n%s", f.name, res.Err, f.out.String())
	}
	return res
}

// webhook is the API Gateway v2 event of a signed generic webhook.
func webhook(body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /webhooks/{source}", RawPath: "/webhooks/desk",
		Headers: map[string]string{"content-type": "application/json",
			strings.ToLower(generic.SignatureHeader): generic.Sign([]byte(webhookSecret), []byte(body))},
		PathParameters: map[string]string{"source": "desk"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "abc123.execute-api.us-east-1.amazonaws.com",
			RequestID: "req-" + fmt.Sprint(time.Now().UnixNano()), HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/webhooks/desk"}},
		Body: body,
	}
}

func get(path string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET " + path, RawPath: path,
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path}},
	}
}

func getQuery(path, query string) events.APIGatewayV2HTTPRequest {
	req := get(path)
	req.RawQueryString = query
	return req
}

// sqsEvent is the acknowledger's event for messages received from the
// observe queue, as Lambda's event source mapping delivers them.
func sqsEvent(ms []sqsMessage, queueARN string) events.SQSEvent {
	var ev events.SQSEvent
	for _, m := range ms {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: m.id, Body: m.body, EventSource: "aws:sqs", EventSourceARN: queueARN, AWSRegion: "us-east-1"})
	}
	return ev
}

func apiResponse(t *testing.T, res runtimeapi.Result) (int, map[string]any) {
	t.Helper()
	var r events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.Payload, &r); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal([]byte(r.Body), &body)
	return r.StatusCode, body
}

// TestLambdaStory drives the four built bootstrap binaries through the
// Lambda Runtime API against DynamoDB Local and the SNS/SQS server: a signed
// webhook creates a ticket; the acknowledger sends its acknowledgement; the
// checker sends the breach when the 3-second target passes; the agent's
// reply is applied and the checker sends recovered.
func TestLambdaStory(t *testing.T) {
	w := newWorld(t)
	alerts := w.subscriber(w.env["SLAWATCH_ALERT_TOPIC_ARN"], "alerts-sub")
	acks := w.subscriber(w.env["SLAWATCH_ACK_TOPIC_ARN"], "acks-sub")
	observe := sqsQueue{url: w.env["SLAWATCH_OBSERVE_QUEUE_URL"]}

	hook := w.start("webhook", "./functions/webhook", 10*time.Second)
	tickets := w.start("tickets", "./functions/tickets", 10*time.Second)
	acker := w.start("acknowledger", "./functions/acknowledger", 30*time.Second)
	checker := w.start("checker", "./functions/checker", 70*time.Second)

	// 1. The customer writes in.
	created := time.Now().UTC()
	res := w.invoke(hook, webhook(fmt.Sprintf(`{"ticket_id":"T-1","event_id":"c1","kind":"ticket_created","occurred_at":%q,"channel":"chat"}`,
		created.Format(time.RFC3339Nano))))
	if status, body := apiResponse(t, res); status != 200 || body["applied"] != 1.0 {
		time.Sleep(200 * time.Millisecond)
		t.Fatalf("webhook: %d %v\n%s\n%s", status, body, hook.out.String(), hook.errs.String())
	}
	// Its log line carries the invocation's request id.
	if !regexp.MustCompile(`"requestId":"` + res.RequestID + `"`).MatchString(hook.out.String()) {
		t.Errorf("no log line with requestId %s:\n%s", res.RequestID, hook.out.String())
	}
	// A forged webhook is refused, and the refusal counted.
	forged := webhook(`{"ticket_id":"T-2","event_id":"x","kind":"ticket_created","occurred_at":"2026-11-23T10:00:00Z"}`)
	forged.Headers[strings.ToLower(generic.SignatureHeader)] = "sha256=00"
	if status, _ := apiResponse(t, w.invoke(hook, forged)); status != 401 {
		t.Errorf("forged webhook: %d", status)
	}

	// 2. The ticket is stored: the read API shows it.
	if status, body := apiResponse(t, w.invoke(tickets, get("/tickets/desk/T-1"))); status != 200 || body["policy"] != "fast-chat" {
		t.Fatalf("tickets: %d %v", status, body)
	}

	// 3. The webhook handed the ticket to the acknowledger's queue; the
	// acknowledger sends the acknowledgement.
	msgs := w.receive(observe, 1)
	if len(msgs) != 1 {
		t.Fatalf("%d messages on the observe queue, want 1", len(msgs))
	}
	var batch events.SQSEventResponse
	if err := json.Unmarshal(w.invoke(acker, sqsEvent(msgs, "arn:aws:sqs:us-east-1:000000000000:observe")).Payload, &batch); err != nil || len(batch.BatchItemFailures) != 0 {
		t.Fatalf("acknowledger: %v %+v\n%s", err, batch, acker.out.String())
	}
	ack := w.receive(acks, 1)
	if len(ack) != 1 || !strings.Contains(ack[0].body, `"ticket_id":"T-1"`) || strings.Contains(ack[0].body, "slawatch:ack") {
		t.Fatalf("acknowledgements: %v", ack)
	}

	// 4. The checker, invoked before the deadline, waits inside its run and
	// sends the breach at the deadline.
	w.invoke(checker, map[string]any{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "time": time.Now().UTC()})
	breach := w.receive(alerts, 1)
	if len(breach) != 1 || !strings.Contains(breach[0].body, `sla.breach`) {
		t.Fatalf("alerts after the deadline: %v\nchecker:\n%s", breach, checker.out.String())
	}

	// 4b. The on-call function (PagerDuty), as the alert topic's
	// subscriber, opens one incident for the breach.
	pd := pagerdutytest.NewServer()
	t.Cleanup(pd.Close)
	w.env["SLAWATCH_ONCALL_TOOL"], w.env["SLAWATCH_PAGERDUTY_URL"] = "pagerduty", pd.EnqueueURL()
	oncall := w.start("oncall", "./functions/oncall", 30*time.Second)
	snsEvent := func(body string) events.SNSEvent {
		// SNS gives a Lambda subscriber the message's default text; the
		// emulator's queue got the whole MessageStructure=json object.
		var structured map[string]string
		if json.Unmarshal([]byte(body), &structured) == nil && structured["default"] != "" {
			body = structured["default"]
		}
		return events.SNSEvent{Records: []events.SNSEventRecord{{EventSource: "aws:sns", SNS: events.SNSEntity{Message: body, TopicArn: w.env["SLAWATCH_ALERT_TOPIC_ARN"]}}}}
	}
	if res := w.invoke(oncall, snsEvent(breach[0].body)); res.Err != nil {
		t.Fatalf("oncall: %v\n%s", res.Err, oncall.out.String())
	}
	incident := "slawatch/desk/T-1/first_response/0"
	if inc := pd.IncidentsFor(incident); len(inc) != 1 || inc[0].Status != "triggered" || inc[0].Severity != "error" {
		t.Fatalf("PagerDuty after the breach: %+v\noncall:\n%s", pd.Incidents(), oncall.out.String())
	}

	// 5. The agent answers; the checker sends recovered.
	res = w.invoke(hook, webhook(fmt.Sprintf(`{"ticket_id":"T-1","event_id":"r1","kind":"agent_reply","occurred_at":%q,"author":"agent","public":true}`,
		time.Now().UTC().Format(time.RFC3339Nano))))
	if status, body := apiResponse(t, res); status != 200 || body["applied"] != 1.0 {
		t.Fatalf("reply: %d %v", status, body)
	}
	w.invoke(acker, sqsEvent(w.receive(observe, 1), "arn:aws:sqs:us-east-1:000000000000:observe"))
	w.invoke(checker, map[string]any{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "time": time.Now().UTC()})
	recovered := w.receive(alerts, 1)
	if len(recovered) != 1 || !strings.Contains(recovered[0].body, `sla.recovered`) {
		t.Fatalf("alerts after the reply: %v", recovered)
	}
	// The recovery resolves the incident; a redelivery changes nothing.
	for range 2 {
		if res := w.invoke(oncall, snsEvent(recovered[0].body)); res.Err != nil {
			t.Fatalf("oncall: %v", res.Err)
		}
	}
	if inc := pd.Incidents(); len(inc) != 1 || inc[0].Status != "resolved" {
		t.Errorf("PagerDuty after the reply: %+v, want one resolved incident", inc)
	}
	if !strings.Contains(oncall.out.String(), "on-call delivery: sent") {
		t.Errorf("the oncall function logged no delivery:\n%s", oncall.out.String())
	}
	if strings.Contains(oncall.out.String(), routingKey) {
		t.Error("the routing key is in the oncall function's output")
	}
	if status, body := apiResponse(t, w.invoke(tickets, get("/tickets/desk/T-1"))); status != 200 || body["acknowledgement"] == nil {
		t.Errorf("ticket after the story: %d %v", status, body)
	}
	// The dashboard's routes: the report counts the breached first
	// response from the history the webhook recorded (501 without one), and
	// the at-risk list answers from the running index.
	day := func(d int) string { return created.AddDate(0, 0, d).Format(time.DateOnly) }
	status, body := apiResponse(t, w.invoke(tickets, getQuery("/api/report", "from="+day(-1)+"&to="+day(1))))
	if breached := cfnDig(body, "total", "first_response", "breached"); status != 200 || breached != 1.0 {
		t.Errorf("GET /api/report: %d, first responses breached %v, want 200 and 1: %v", status, breached, body)
	}
	if status, body := apiResponse(t, w.invoke(tickets, get("/api/at-risk"))); status != 200 {
		t.Errorf("GET /api/at-risk: %d %v", status, body)
	}
	// The page itself: HTML with the story's breach in its list.
	var page events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(w.invoke(tickets, get("/")).Payload, &page); err != nil {
		t.Fatal(err)
	}
	if page.StatusCode != 200 || !strings.HasPrefix(page.Headers["Content-Type"], "text/html") ||
		!strings.Contains(page.Body, `<table id="breaches"`) || !strings.Contains(page.Body, "desk T-1") {
		t.Errorf("GET /: %d %q, want the dashboard listing the breach of desk T-1:\n%.2000s", page.StatusCode, page.Headers["Content-Type"], page.Body)
	}

	// Metrics: one EMF line per invocation with the story's figures.
	for _, c := range []struct{ fn, metric string }{
		{"checker", `"Breaches":1`}, {"acknowledger", `"AcksSent":1`}, {"acknowledger", `"FirstResponseSeconds":`},
		{"webhook", `"EventsApplied":1`}, {"webhook", `"WebhooksRefused":1`},
	} {
		if !strings.Contains(w.fns[c.fn].out.String(), c.metric) {
			t.Errorf("%s: no EMF metric %s", c.fn, c.metric)
		}
	}
	// No secret and no ticket content in any output.
	for _, f := range w.fns {
		if all := f.out.String() + f.errs.String(); strings.Contains(all, webhookSecret) {
			t.Errorf("%s: the webhook secret is in its output", f.name)
		}
	}
}

// TestColdStart measures, for each built bootstrap, process start to the
// first response under the harness — the cold start Lambda bills as init
// plus the first invocation — on an invocation that needs no ticket: the
// Intercom URL probe, GET /healthz, an empty SQS batch, a checker run with
// nothing due. Configuration and secrets are fetched as in AWS (from the
// SSM and Secrets Manager protocol server). It logs the figures (and the
// host build's size); the deployed arm64 sizes come from make sizes.
func TestColdStart(t *testing.T) {
	w := newWorld(t)
	probe := webhook("")
	probe.RequestContext.HTTP.Method, probe.RouteKey = "HEAD", "HEAD /webhooks/{source}"
	for _, c := range []struct {
		name, pkg string
		payload   any
	}{
		{"webhook", "./functions/webhook", probe},
		{"tickets", "./functions/tickets", get("/healthz")},
		{"acknowledger", "./functions/acknowledger", events.SQSEvent{Records: []events.SQSMessage{}}},
		{"checker", "./functions/checker", map[string]any{"detail-type": "Scheduled Event", "source": "aws.events"}},
	} {
		var starts, warm []time.Duration
		for range 3 {
			f := w.start(c.name, c.pkg, 70*time.Second)
			w.invoke(f, c.payload)
			starts = append(starts, f.h.ColdStart())
			// The same invocation warm: what of the cold start is the
			// invocation's own work (the checker's due query) rather than
			// the process starting and loading its configuration.
			warm = append(warm, w.invoke(f, c.payload).Duration)
			if err := f.h.Close(); err != nil {
				t.Error(err)
			}
		}
		slices.Sort(starts)
		slices.Sort(warm)
		t.Logf("%-12s host bootstrap %4.1f MB, cold start median %v (of %v); the same invocation warm %v",
			c.name, float64(w.fns[c.name].size)/1e6, starts[1].Round(100*time.Microsecond), starts, warm[1].Round(100*time.Microsecond))
	}
}
