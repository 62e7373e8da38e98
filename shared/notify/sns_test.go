package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// fakePublisher records requests and answers with err.
type fakePublisher struct {
	mu  sync.Mutex
	in  []*sns.PublishInput
	err error
}

func (f *fakePublisher) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.in = append(f.in, in)
	if f.err != nil {
		return nil, f.err
	}
	return &sns.PublishOutput{MessageId: aws.String("m-1")}, nil
}

func body(t *testing.T, in *sns.PublishInput) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &m); err != nil {
		t.Fatalf("message is not a MessageStructure=json object: %v", err)
	}
	return m
}

func TestSNSInput(t *testing.T) {
	ny := newYork(t)
	now := due.Add(65 * time.Minute)
	a := alert(KindBreach, 0, due)
	pub := &fakePublisher{}
	s := &SNS{Client: pub, TopicARN: "arn:aws:sns:us-east-1:000000000000:alerts", Location: ny, Now: func() time.Time { return now }}
	if err := s.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	in := pub.in[0]
	want := Render(a, ny, now)
	if aws.ToString(in.TopicArn) != s.TopicARN || aws.ToString(in.MessageStructure) != "json" || aws.ToString(in.Subject) != want.Subject {
		t.Errorf("topic %q, structure %q, subject %q", aws.ToString(in.TopicArn), aws.ToString(in.MessageStructure), aws.ToString(in.Subject))
	}
	if b := body(t, in); len(b) != 3 || b["default"] != want.Default || b["email"] != want.Email || b["sms"] != want.SMS {
		t.Errorf("message keys: %v", b)
	}
	if len(in.MessageAttributes) != len(want.Attributes) {
		t.Errorf("attributes: %v", in.MessageAttributes)
	}
	for k, v := range want.Attributes {
		got := in.MessageAttributes[k]
		if aws.ToString(got.StringValue) != v || aws.ToString(got.DataType) != AttributeType(k) {
			t.Errorf("attribute %s = %s %s, want %s %s", k, aws.ToString(got.DataType), aws.ToString(got.StringValue), AttributeType(k), v)
		}
	}
	if in.MessageGroupId != nil || in.MessageDeduplicationId != nil {
		t.Error("a standard topic gets no FIFO ids")
	}

	// FIFO: group per ticket (per team for a digest), de-duplication on id.
	s.TopicARN = "arn:aws:sns:us-east-1:000000000000:alerts.fifo"
	sum := sha256.Sum256([]byte(a.ID))
	for _, c := range []struct {
		a     Alert
		group string
	}{
		{a, "zendesk/4711"},
		{digest(3), "digest/support"},
		{Alert{ID: "x", Kind: KindBreach, Source: "help desk", TicketID: "票 1"}, "help_desk/__1"},
	} {
		in, err := s.Input(c.a)
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(in.MessageGroupId) != c.group {
			t.Errorf("group %q, want %q", aws.ToString(in.MessageGroupId), c.group)
		}
	}
	in, _ = s.Input(a)
	if d := aws.ToString(in.MessageDeduplicationId); d != hex.EncodeToString(sum[:]) || d != DeduplicationID(a) {
		t.Errorf("dedup id %q", d)
	}
	long := Alert{ID: "y", Kind: KindBreach, Source: strings.Repeat("s", 100), TicketID: strings.Repeat("1", 100)}
	in, _ = s.Input(long)
	long.TicketID += "2"
	in2, _ := s.Input(long)
	g, g2 := aws.ToString(in.MessageGroupId), aws.ToString(in2.MessageGroupId)
	if len(g) != 128 || g == g2 || strings.ContainsFunc(g, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		t.Errorf("long group ids %q, %q", g, g2)
	}

	// Chatbot: the custom notification is the default; SQS and Lambda
	// still get the document.
	s.TopicARN, s.Format = "arn:aws:sns:us-east-1:000000000000:chat", FormatChatbot
	in, err := s.Input(a)
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, in)
	if b["default"] != ChatbotJSON(a, ny, now) || b["sqs"] != want.Default || b["lambda"] != want.Default || b["email"] != want.Email || b["sms"] != want.SMS {
		t.Errorf("chatbot message keys: %v", b)
	}

	// Errors: wrapped with the alert and topic, never swallowed.
	s.Format = "slack"
	if _, err := s.Input(a); err == nil || !strings.Contains(err.Error(), `unknown format "slack"`) {
		t.Errorf("unknown format: %v", err)
	}
	s.Format = ""
	boom := errors.New("throttled")
	pub.err = boom
	err = s.Notify(context.Background(), a)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), s.TopicARN) {
		t.Errorf("publish error: %v", err)
	}
	if err := (&SNS{Client: pub}).Notify(context.Background(), a); err == nil {
		t.Error("no topic: no error")
	}
}

// TestSNSSize: SNS refuses messages over 256 KiB. A digest lists fewer
// tickets until it fits; anything else that cannot fit is an error.
func TestSNSSize(t *testing.T) {
	s := &SNS{Client: &fakePublisher{}, TopicARN: "arn:aws:sns:us-east-1:000000000000:alerts"}
	d := digest(50)
	for i := range d.Tickets {
		d.Tickets[i].TicketURL = "https://x.example/" + strings.Repeat("p", 4000)
	}
	in, err := s.Input(d)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(aws.ToString(in.Message)); n > maxSNSMessage {
		t.Errorf("digest of %d bytes", n)
	}
	var doc struct {
		TicketCount int          `json:"ticket_count"`
		Tickets     []DigestItem `json:"tickets"`
	}
	_ = json.Unmarshal([]byte(body(t, in)["default"]), &doc)
	if doc.TicketCount != 50 || len(doc.Tickets) == 0 || len(doc.Tickets) >= 50 {
		t.Errorf("digest lists %d of %d", len(doc.Tickets), doc.TicketCount)
	}
	a := alert(KindBreach, 0, due)
	a.TicketURL = "https://x.example/" + strings.Repeat("p", 300_000)
	if _, err := s.Input(a); err == nil || !strings.Contains(err.Error(), "over SNS's") {
		t.Errorf("oversized alert: %v", err)
	}
}

// --- against real SNS-compatible servers (infra/local/sns.sh) ---

// emulator is an SNS endpoint and the SQS endpoint it delivers to.
type emulator struct {
	sns *sns.Client
	sqs *sqs.Client
}

func clientOptions(endpoint string) (aws.CredentialsProvider, *string) {
	return credentials.NewStaticCredentialsProvider("local", "local", ""), aws.String(endpoint)
}

func newSNSClient(endpoint string) *sns.Client {
	creds, base := clientOptions(endpoint)
	return sns.New(sns.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: base})
}

// fauxqs connects to SLAWATCH_TEST_SNS_ENDPOINT (and
// SLAWATCH_TEST_SQS_ENDPOINT, the same one unless set), or skips.
func fauxqs(t *testing.T) *emulator {
	t.Helper()
	ep := os.Getenv("SLAWATCH_TEST_SNS_ENDPOINT")
	if ep == "" {
		t.Skip("SLAWATCH_TEST_SNS_ENDPOINT is not set: run through infra/local/sns.sh run go test ./shared/notify/")
	}
	sq := os.Getenv("SLAWATCH_TEST_SQS_ENDPOINT")
	if sq == "" {
		sq = ep
	}
	creds, base := clientOptions(sq)
	return &emulator{sns: newSNSClient(ep), sqs: sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: base})}
}

// testNow is the clock of the notifiers under test.
func testNow() time.Time { return due.Add(65 * time.Minute) }

func unique(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (e *emulator) topic(t *testing.T, name string, fifo bool) string {
	t.Helper()
	in := &sns.CreateTopicInput{Name: aws.String(name)}
	if fifo {
		in.Name = aws.String(name + ".fifo")
		in.Attributes = map[string]string{"FifoTopic": "true"}
	}
	out, err := e.sns.CreateTopic(ctxFor(t), in)
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	t.Cleanup(func() { _, _ = e.sns.DeleteTopic(context.Background(), &sns.DeleteTopicInput{TopicArn: out.TopicArn}) })
	return aws.ToString(out.TopicArn)
}

// queue creates a queue that topicArn may send to; it returns its URL and ARN.
func (e *emulator) queue(t *testing.T, name, topicArn string, fifo bool) (string, string) {
	t.Helper()
	in := &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{}}
	if fifo {
		in.QueueName = aws.String(name + ".fifo")
		in.Attributes["FifoQueue"] = "true"
	}
	out, err := e.sqs.CreateQueue(ctxFor(t), in)
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	t.Cleanup(func() { _, _ = e.sqs.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}) })
	attrs, err := e.sqs.GetQueueAttributes(ctxFor(t), &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatalf("queue ARN: %v", err)
	}
	arn := attrs.Attributes["QueueArn"]
	// What real SNS needs to deliver; emulators ignore it.
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},`+
		`"Action":"sqs:SendMessage","Resource":%q,"Condition":{"ArnEquals":{"aws:SourceArn":%q}}}]}`, arn, topicArn)
	if _, err := e.sqs.SetQueueAttributes(ctxFor(t), &sqs.SetQueueAttributesInput{QueueUrl: out.QueueUrl, Attributes: map[string]string{"Policy": policy}}); err != nil {
		t.Fatalf("queue policy: %v", err)
	}
	return aws.ToString(out.QueueUrl), arn
}

func (e *emulator) subscribe(t *testing.T, topicArn, queueArn, filter string) {
	t.Helper()
	in := &sns.SubscribeInput{TopicArn: aws.String(topicArn), Protocol: aws.String("sqs"), Endpoint: aws.String(queueArn), ReturnSubscriptionArn: true}
	if filter != "" {
		in.Attributes = map[string]string{"FilterPolicy": filter, "FilterPolicyScope": "MessageAttributes"}
	}
	if _, err := e.sns.Subscribe(ctxFor(t), in); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
}

// envelope is an SNS notification as SQS (raw delivery off) and HTTP
// subscribers receive it.
type envelope struct {
	Type              string
	MessageId         string
	TopicArn          string
	Subject           string
	Message           string
	SubscribeURL      string
	Token             string
	MessageAttributes map[string]struct{ Type, Value string }
	groupID           string
}

// receive reads queueURL until it has want messages (or 3 s pass), then
// once more to catch extras, and returns what it read.
func (e *emulator) receive(t *testing.T, queueURL string, want int) []envelope {
	t.Helper()
	var got []envelope
	read := func() {
		out, err := e.sqs.ReceiveMessage(ctxFor(t), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		for _, m := range out.Messages {
			var env envelope
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil {
				t.Fatalf("SQS body is not an SNS envelope: %v\n%s", err, aws.ToString(m.Body))
			}
			env.groupID = m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]
			got = append(got, env)
			_, _ = e.sqs.DeleteMessage(ctxFor(t), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle})
		}
	}
	for end := time.Now().Add(3 * time.Second); len(got) < want && time.Now().Before(end); {
		read()
		if len(got) < want {
			time.Sleep(50 * time.Millisecond)
		}
	}
	time.Sleep(100 * time.Millisecond)
	read()
	return got
}

// delivered is what a subscriber of protocol gets from a MessageStructure
// json message, and whether the server left that choice to the subscriber.
// Real SNS picks the protocol's key (or "default") before delivering;
// fauxqs 1.9.2 and goaws's HTTP delivery pass the whole object on
// (infra/local/SNS-EMULATORS.md), so the pick is made here for them.
func delivered(message, protocol string) (string, bool) {
	var keys map[string]string
	if json.Unmarshal([]byte(message), &keys) == nil && keys["default"] != "" {
		if m, ok := keys[protocol]; ok {
			return m, true
		}
		return keys["default"], true
	}
	return message, false
}

// checkDocument checks a delivered default document against a.
func checkDocument(t *testing.T, env envelope, a Alert, protocol string) {
	t.Helper()
	var doc map[string]any
	msg, whole := delivered(env.Message, protocol)
	if whole {
		t.Logf("the server delivered the whole MessageStructure=json object; the test took what real SNS gives %s", protocol)
	}
	if err := json.Unmarshal([]byte(msg), &doc); err != nil {
		t.Fatalf("delivered message is not the JSON document: %v\n%s", err, msg)
	}
	if doc["schema"] != Schema || doc["kind"] != a.Kind || doc["id"] != a.ID {
		t.Errorf("document schema %v, kind %v, id %v; want %s, %s, %s", doc["schema"], doc["kind"], doc["id"], Schema, a.Kind, a.ID)
	}
	m := Render(a, nil, testNow())
	for k, v := range m.Attributes {
		if got := env.MessageAttributes[k]; got.Value != v || got.Type != AttributeType(k) {
			t.Errorf("envelope attribute %s = %+v, want %s %s", k, got, AttributeType(k), v)
		}
	}
	if env.Type != "Notification" || env.Subject != m.Subject {
		t.Errorf("envelope type %q, subject %q", env.Type, env.Subject)
	}
}

func kinds(t *testing.T, envs []envelope) []string {
	var out []string
	for _, e := range envs {
		var doc struct {
			Kind  string `json:"kind"`
			Level int    `json:"level"`
		}
		msg, _ := delivered(e.Message, "sqs")
		_ = json.Unmarshal([]byte(msg), &doc)
		out = append(out, fmt.Sprintf("%s/%d", doc.Kind, doc.Level))
	}
	return out
}

// TestSNSFilterPolicies publishes through SNS.Notify to a topic with three
// queues: A filters {"severity":["critical"]}, B takes everything, C takes
// escalations from level 2 (a numeric filter: level is a Number attribute,
// which real SNS needs for numeric matching; fauxqs also matches numbers in
// String attributes, so it cannot tell the difference).
func TestSNSFilterPolicies(t *testing.T) {
	e := fauxqs(t)
	topic := e.topic(t, unique("slawatch-alerts"), false)
	qa, arnA := e.queue(t, unique("slawatch-critical"), topic, false)
	qb, arnB := e.queue(t, unique("slawatch-all"), topic, false)
	qc, arnC := e.queue(t, unique("slawatch-escalation2"), topic, false)
	e.subscribe(t, topic, arnA, `{"severity":["critical"]}`)
	e.subscribe(t, topic, arnB, "")
	e.subscribe(t, topic, arnC, `{"kind":["sla.escalation"],"level":[{"numeric":[">=",2]}]}`)

	s := &SNS{Client: e.sns, TopicARN: topic, Now: testNow}
	warning := alert(KindWarning, 1, due.Add(-15*time.Minute))
	breach := alert(KindBreach, 0, due)
	esc1, esc2 := alert(KindEscalation, 1, due.Add(time.Hour)), alert(KindEscalation, 2, due.Add(4*time.Hour))
	for _, a := range []Alert{warning, breach, esc1, esc2} {
		if err := s.Notify(ctxFor(t), a); err != nil {
			t.Fatalf("notify %s: %v", a.ID, err)
		}
	}
	a := e.receive(t, qa, 3)
	if got := kinds(t, a); strings.Join(got, " ") != "sla.breach/0 sla.escalation/1 sla.escalation/2" {
		t.Errorf("queue A (critical only) got %v", got)
	} else {
		checkDocument(t, a[0], breach, "sqs")
	}
	b := e.receive(t, qb, 4)
	if got := kinds(t, b); strings.Join(got, " ") != "sla.warning/1 sla.breach/0 sla.escalation/1 sla.escalation/2" {
		t.Errorf("queue B (everything) got %v", got)
	} else {
		checkDocument(t, b[0], warning, "sqs")
		checkDocument(t, b[1], breach, "sqs")
	}
	if got := kinds(t, e.receive(t, qc, 1)); strings.Join(got, " ") != "sla.escalation/2" {
		t.Errorf("queue C (escalation level >= 2) got %v", got)
	}
}

// TestSNSFIFO: on a FIFO topic, publishing the same alert twice (a retry)
// delivers it once; another alert of the ticket follows in its group.
func TestSNSFIFO(t *testing.T) {
	e := fauxqs(t)
	topic := e.topic(t, unique("slawatch-alerts"), true)
	q, arn := e.queue(t, unique("slawatch-alerts"), topic, true)
	e.subscribe(t, topic, arn, "")
	s := &SNS{Client: e.sns, TopicARN: topic, Now: testNow}
	breach, esc := alert(KindBreach, 0, due), alert(KindEscalation, 1, due.Add(time.Hour))
	for _, a := range []Alert{breach, breach, esc} {
		if err := s.Notify(ctxFor(t), a); err != nil {
			t.Fatalf("notify %s: %v", a.ID, err)
		}
	}
	got := e.receive(t, q, 2)
	if k := kinds(t, got); strings.Join(k, " ") != "sla.breach/0 sla.escalation/1" {
		t.Fatalf("FIFO queue got %v, want the breach once, then the escalation", k)
	}
	checkDocument(t, got[0], breach, "sqs")
	for _, env := range got {
		if env.groupID != "zendesk/4711" {
			t.Errorf("message group %q", env.groupID)
		}
	}
}

// TestSNSChatbotFormat: with Format chatbot, SQS subscribers still get the
// slawatch document (the "sqs" key); the default is the Chatbot event.
func TestSNSChatbotFormat(t *testing.T) {
	e := fauxqs(t)
	topic := e.topic(t, unique("slawatch-chat"), false)
	q, arn := e.queue(t, unique("slawatch-chat"), topic, false)
	e.subscribe(t, topic, arn, "")
	s := &SNS{Client: e.sns, TopicARN: topic, Format: FormatChatbot, Now: testNow}
	breach := alert(KindBreach, 0, due)
	if err := s.Notify(ctxFor(t), breach); err != nil {
		t.Fatal(err)
	}
	got := e.receive(t, q, 1)
	if len(got) != 1 {
		t.Fatalf("got %d messages", len(got))
	}
	checkDocument(t, got[0], breach, "sqs")
	var chat struct {
		Version, Source string
	}
	msg, _ := delivered(got[0].Message, "https")
	if err := json.Unmarshal([]byte(msg), &chat); err != nil || chat.Version != "1.0" || chat.Source != "custom" {
		t.Errorf("the default key is not the Chatbot event: %v %+v", err, chat)
	}
}

// TestSNSHTTPDelivery subscribes an HTTP endpoint on goaws, confirms it,
// and receives an alert there.
func TestSNSHTTPDelivery(t *testing.T) {
	ep := os.Getenv("SLAWATCH_TEST_GOAWS_ENDPOINT")
	if ep == "" {
		t.Skip("SLAWATCH_TEST_GOAWS_ENDPOINT is not set: run through infra/local/sns.sh run go test ./shared/notify/")
	}
	client := newSNSClient(ep)
	got := make(chan envelope, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var env envelope
		if err := json.Unmarshal(b, &env); err != nil {
			t.Errorf("POST body is not an SNS envelope: %v\n%s", err, b)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		if h := r.Header.Get("x-amz-sns-message-type"); h != env.Type {
			t.Errorf("x-amz-sns-message-type %q, body type %q", h, env.Type)
		}
		got <- env
	}))
	defer srv.Close()
	next := func(typ string) envelope {
		t.Helper()
		select {
		case env := <-got:
			if env.Type != typ {
				t.Fatalf("got a %s, want a %s", env.Type, typ)
			}
			return env
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s arrived", typ)
		}
		return envelope{}
	}

	out, err := client.CreateTopic(ctxFor(t), &sns.CreateTopicInput{Name: aws.String(unique("slawatch-http"))})
	if err != nil {
		t.Fatal(err)
	}
	topic := aws.ToString(out.TopicArn)
	t.Cleanup(func() { _, _ = client.DeleteTopic(context.Background(), &sns.DeleteTopicInput{TopicArn: out.TopicArn}) })
	if _, err := client.Subscribe(ctxFor(t), &sns.SubscribeInput{TopicArn: out.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(srv.URL + "/sns")}); err != nil {
		t.Fatal(err)
	}
	conf := next("SubscriptionConfirmation")
	if conf.TopicArn != topic || conf.Token == "" {
		t.Fatalf("confirmation %+v", conf)
	}
	// Confirm as a subscriber would: GET the SubscribeURL, which must point
	// at the emulator on this machine.
	u, err := url.Parse(conf.SubscribeURL)
	if err != nil || u.Query().Get("Action") != "ConfirmSubscription" {
		t.Fatalf("SubscribeURL %q: %v", conf.SubscribeURL, err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		t.Fatalf("SubscribeURL %q does not point at this machine", conf.SubscribeURL)
	}
	res, err := http.Get(conf.SubscribeURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "SubscriptionArn") {
		t.Fatalf("confirming: %s\n%s", res.Status, b)
	}

	s := &SNS{Client: client, TopicARN: topic, Now: testNow}
	breach := alert(KindBreach, 0, due)
	if err := s.Notify(ctxFor(t), breach); err != nil {
		t.Fatal(err)
	}
	checkDocument(t, next("Notification"), breach, "http")
}
