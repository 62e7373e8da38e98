// Package handoff passes tickets from the webhook function (and the
// checker) to the acknowledger function through an SQS queue, so that a
// webhook is answered without waiting for SNS or a helpdesk's API. It is
// its own small package so that the functions that only hand off do not
// link what acknowledging needs (the template engine, the write-back
// clients).
package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/slawatch/slawatch/shared/store"
)

// SQSAPI is the part of *sqs.Client that SQS uses.
type SQSAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// SQS hands tickets to the acknowledger function through a queue. The
// acknowledger calls promise.Service.Observe for each message; a message
// delivered twice is harmless, as Observe is idempotent.
type SQS struct {
	Client   SQSAPI
	QueueURL string
}

// message is the queue's message body.
type message struct {
	Source   string `json:"source"`
	TicketID string `json:"ticket_id"`
}

// Observe queues the ticket for the acknowledger.
func (q *SQS) Observe(ctx context.Context, k store.Key) error {
	body, err := json.Marshal(message{k.Source, k.ID})
	if err != nil {
		return fmt.Errorf("handoff: queue %s/%s: %w", k.Source, k.ID, err)
	}
	if _, err := q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.QueueURL), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("handoff: queue %s/%s: %w", k.Source, k.ID, err)
	}
	return nil
}

// ParseMessage returns the ticket a queued message names.
func ParseMessage(body string) (store.Key, error) {
	var m message
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return store.Key{}, fmt.Errorf("handoff: message: %w", err)
	}
	if m.Source == "" || m.TicketID == "" {
		return store.Key{}, errors.New("handoff: message: source and ticket_id are required")
	}
	return store.Key{Source: m.Source, ID: m.TicketID}, nil
}
