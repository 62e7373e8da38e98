package route

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
)

// InProcess delivers alerts into the on-call tools from inside the local
// server, through the same Delivery the Lambda functions use: after the
// next notifier (the console, or the SNS topic) has the alert, each tool
// gets the document on its own queue, worked by its own goroutine, so a
// slow or failing tool holds up neither the checker nor the other tools.
type InProcess struct {
	Next       notify.Notifier
	Deliveries []*Delivery
	Location   *time.Location
	Now        func() time.Time
	// Timeout bounds one delivery with its retries (default 2 minutes).
	Timeout time.Duration
	Log     *slog.Logger

	once   sync.Once
	queues []chan []byte
}

// queueLen bounds the alerts waiting for one tool; beyond it an alert is
// dropped with a log line (the topic, or the console, still has it).
const queueLen = 1000

// Notify passes a to the next notifier, then queues it for every tool.
func (p *InProcess) Notify(ctx context.Context, a notify.Alert) error {
	if err := p.Next.Notify(ctx, a); err != nil {
		return err
	}
	p.once.Do(p.start)
	doc := []byte(notify.Render(a, p.Location, p.Now()).Default)
	for i, q := range p.queues {
		select {
		case q <- doc:
		default:
			p.Log.ErrorContext(ctx, "on-call delivery: queue full; alert dropped", "tool", p.Deliveries[i].Tool, "alert", a.ID)
		}
	}
	return nil
}

func (p *InProcess) start() {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	for _, dl := range p.Deliveries {
		q := make(chan []byte, queueLen)
		p.queues = append(p.queues, q)
		go func() {
			for doc := range q {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				_, _ = dl.Send(ctx, doc) // Send logs every outcome
				cancel()
			}
		}()
	}
}
