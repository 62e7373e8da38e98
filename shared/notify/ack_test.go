package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func sampleAck(ticket, channel string) Ack {
	return Ack{
		ID: "zendesk/" + ticket + "/ack", Source: "zendesk", TicketID: ticket, Channel: channel, Class: "realtime",
		Locale: "en", Text: "Thanks, your message reached us.\nA person from our team will reply within 1 hour.",
		Promise: "within 1 hour", PromisedBy: time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC), SentAt: time.Date(2026, 11, 23, 10, 0, 2, 0, time.UTC),
	}
}

func TestAckSNSInput(t *testing.T) {
	pub := &fakePublisher{}
	s := &AckSNS{Client: pub, TopicARN: "arn:aws:sns:us-east-1:000000000000:acks.fifo"}
	a := sampleAck("184302", "chat")
	if err := s.PublishAck(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	in := pub.in[0]
	var doc Ack
	if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &doc); err != nil {
		t.Fatal(err)
	}
	a.Schema = "slawatch.ack/1"
	if doc != a || in.MessageStructure != nil {
		t.Errorf("document %+v, structure %v", doc, in.MessageStructure)
	}
	want := map[string]string{"source": "zendesk", "channel": "chat", "ticket": "184302", "locale": "en"}
	if len(in.MessageAttributes) != len(want) {
		t.Errorf("attributes %v", in.MessageAttributes)
	}
	for k, v := range want {
		if got := in.MessageAttributes[k]; aws.ToString(got.StringValue) != v || aws.ToString(got.DataType) != "String" {
			t.Errorf("attribute %s = %v", k, got)
		}
	}
	// FIFO: the ticket is the group, and a retry has the same
	// de-duplication id.
	if aws.ToString(in.MessageGroupId) != "zendesk/184302" || aws.ToString(in.MessageDeduplicationId) != DeduplicationID(Alert{ID: a.ID}) {
		t.Errorf("group %q, dedup %q", aws.ToString(in.MessageGroupId), aws.ToString(in.MessageDeduplicationId))
	}
	// An unknown channel is left out rather than sent empty (SNS refuses
	// empty attribute values).
	a.Channel = ""
	if in, err := s.Input(a); err != nil || len(in.MessageAttributes) != 3 {
		t.Errorf("%v %v", err, in.MessageAttributes)
	}
}

func TestAckConsole(t *testing.T) {
	var b bytes.Buffer
	if err := NewAckConsole(&b).PublishAck(context.Background(), sampleAck("1", "chat")); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], `ACK {"schema":"slawatch.ack/1","id":"zendesk/1/ack"`) ||
		lines[2] != "      | A person from our team will reply within 1 hour." {
		t.Errorf("console output:\n%s", b.String())
	}
}

// TestAckSNSFilterPolicy: on the SNS server, a subscriber filtering on the
// channel attribute receives only its channel's acknowledgements, as the
// slawatch.ack/1 document.
func TestAckSNSFilterPolicy(t *testing.T) {
	e := fauxqs(t)
	topic := e.topic(t, unique("slawatch-acks"), false)
	qChat, arnChat := e.queue(t, unique("slawatch-acks-chat"), topic, false)
	e.subscribe(t, topic, arnChat, `{"channel":["chat","sms"]}`)
	s := &AckSNS{Client: e.sns, TopicARN: topic}
	for _, a := range []Ack{sampleAck("1", "email"), sampleAck("2", "chat"), sampleAck("3", "sms")} {
		if err := s.PublishAck(ctxFor(t), a); err != nil {
			t.Fatal(err)
		}
	}
	got := e.receive(t, qChat, 2)
	var tickets []string
	for _, env := range got {
		var doc Ack
		if err := json.Unmarshal([]byte(env.Message), &doc); err != nil {
			t.Fatalf("%v: %s", err, env.Message)
		}
		if doc.Schema != AckSchema || !strings.HasSuffix(doc.Text, "within 1 hour.") || env.MessageAttributes["ticket"].Value != doc.TicketID {
			t.Errorf("delivered %+v, attributes %v", doc, env.MessageAttributes)
		}
		tickets = append(tickets, doc.TicketID)
	}
	if strings.Join(tickets, " ") != "2 3" {
		t.Errorf("chat/sms subscriber got tickets %v, want 2 3", tickets)
	}
}
