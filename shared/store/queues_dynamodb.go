package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slawatch/slawatch/shared/queue"
)

const (
	queuePrefix = "Q#"
	skQueue     = "QUEUE"
	// skWaiting is a queue's second item: the tickets waiting for their
	// first response. A ticket's arrival (or drop) rewrites only this
	// small item, not the replies' ~10 KB one.
	skWaiting = "WAITING"
)

var _ Queues = (*DynamoDB)(nil)

// queueItem is a queue as stored, in two items of one partition, each with
// a version for optimistic concurrency as for tickets: the replies (item
// QUEUE: the stats without Open, package queue's own encoding) and the
// waiting tickets (item WAITING: stats holding Open alone). A QUEUE item
// written before the split holds Open too, read while no WAITING item
// exists.
type queueItem struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Version int64  `dynamodbav:"version"`
	Stats   string `dynamodbav:"stats"`
}

// storedQueue is what a queue's read found.
type storedQueue struct {
	stats                   queue.Stats
	version, waitingVersion int64
	// replies and waiting are the two items' stats as encoded from stats,
	// to tell which of them an update changes.
	replies, waiting string
	// legacy: the QUEUE item holds waiting tickets and no WAITING item
	// exists; the first write of QUEUE moves them.
	legacy bool
}

// queuePK keys a queue by its whole name: names contain '/' ("zendesk/chat/
// urgent") and nothing follows them in the key.
func queuePK(name string) string { return queuePrefix + name }

func (d *DynamoDB) Queue(ctx context.Context, name string) (queue.Stats, error) {
	q, err := d.getQueue(ctx, name)
	return q.stats, err
}

// getQueue reads a queue's two items with one consistent Query: the zero
// value and versions 0 for a queue not yet stored. A ticket still listed
// as waiting though answered (its WAITING write lost after the reply's,
// see UpdateQueue) is not.
func (d *DynamoDB) getQueue(ctx context.Context, name string) (storedQueue, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key(attrPK).Equal(expression.Value(queuePK(name)))).Build()
	if err != nil {
		return storedQueue{}, fmt.Errorf("store: build queue query: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName: &d.table, KeyConditionExpression: expr.KeyCondition(), ConsistentRead: aws.Bool(true),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}
	var q storedQueue
	var open map[string]time.Time
	waitingFound := false
	for {
		out, err := d.client.Query(ctx, in)
		if err != nil {
			return storedQueue{}, fmt.Errorf("store: get queue %s: %w", name, err)
		}
		for _, item := range out.Items {
			var it queueItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return storedQueue{}, fmt.Errorf("store: unmarshal queue %s: %w", name, err)
			}
			var s queue.Stats
			if err := json.Unmarshal([]byte(it.Stats), &s); err != nil {
				return storedQueue{}, fmt.Errorf("store: decode queue %s: %w", name, err)
			}
			switch it.SK {
			case skQueue:
				q.stats, q.version = s, it.Version
			case skWaiting:
				open, q.waitingVersion, waitingFound = s.Open, it.Version, true
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if waitingFound {
		q.stats.Open = open
	} else {
		q.legacy = len(q.stats.Open) > 0
	}
	for id := range q.stats.Open {
		if answered(q.stats, id) {
			delete(q.stats.Open, id)
		}
	}
	if len(q.stats.Open) == 0 {
		q.stats.Open = nil
	}
	if q.replies, q.waiting, err = encodeQueue(name, q.stats); err != nil {
		return storedQueue{}, err
	}
	return q, nil
}

// answered reports whether s holds a reply to ticket.
func answered(s queue.Stats, ticket string) bool {
	return slices.ContainsFunc(s.Replies, func(r queue.Reply) bool { return r.Ticket == ticket })
}

// encodeQueue encodes s as its two items' stats.
func encodeQueue(name string, s queue.Stats) (replies, waiting string, err error) {
	// Everything but the waiting tickets goes in the replies item, so a
	// field added to Stats is stored without a change here.
	rs := s
	rs.Open = nil
	r, err := json.Marshal(rs)
	if err != nil {
		return "", "", fmt.Errorf("store: encode queue %s: %w", name, err)
	}
	w, err := json.Marshal(queue.Stats{Open: s.Open})
	if err != nil {
		return "", "", fmt.Errorf("store: encode queue %s: %w", name, err)
	}
	return string(r), string(w), nil
}

// UpdateQueue reads the queue, applies fn and writes the items whose part
// changed on condition that nobody wrote them in between, retrying on a
// lost race like Update: on the common path a consistent Query and one
// conditional put — of the small WAITING item for an arrival or a drop —
// or two for a first response (QUEUE, then WAITING if the ticket was
// waiting).
//
// The two puts are not one transaction, which would double the write
// units of the ~10 KB item. QUEUE is written first. A WAITING write then
// lost to a race is replayed on the stored waiting tickets (rebaseWaiting);
// one that fails leaves the answered ticket listed as waiting there, and
// reads leave it out; the next write of WAITING drops it.
func (d *DynamoDB) UpdateQueue(ctx context.Context, name string, fn QueueFunc) (queue.Stats, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		cur, err := d.getQueue(ctx, name)
		if err != nil {
			return queue.Stats{}, err
		}
		next, changed, err := fn(cur.stats)
		if err != nil || !changed {
			return cur.stats, err
		}
		replies, waiting, err := encodeQueue(name, next)
		if err != nil {
			return cur.stats, err
		}
		writeReplies := replies != cur.replies
		writeWaiting := waiting != cur.waiting || (writeReplies && cur.legacy)
		if writeReplies {
			err = d.putQueue(ctx, name, skQueue, replies, cur.version)
		}
		if err == nil && writeWaiting {
			err = d.putQueue(ctx, name, skWaiting, waiting, cur.waitingVersion)
			var lost *lostRace
			if writeReplies && errors.As(err, &lost) {
				// The replies are written: fn is not applied again (it
				// would find its work done and report no change), its
				// change of the waiting tickets is replayed on theirs.
				return d.rebaseWaiting(ctx, name, cur.stats.Open, next, attempt)
			}
		}
		var lost *lostRace
		switch {
		case err == nil:
			return next, nil
		case errors.As(err, &lost):
			if err := sleep(ctx, attempt); err != nil {
				return cur.stats, err
			}
		default:
			return cur.stats, err
		}
	}
	return queue.Stats{}, fmt.Errorf("store: queue %s: %w after %d attempts", name, ErrConflict, maxAttempts)
}

// rebaseWaiting writes next's waiting tickets after a concurrent write of
// the WAITING item: what fn changed from was (added, moved, removed) is
// applied to the waiting tickets as now stored, retrying lost races.
func (d *DynamoDB) rebaseWaiting(ctx context.Context, name string, was map[string]time.Time, next queue.Stats, attempt int) (queue.Stats, error) {
	for ; attempt < maxAttempts; attempt++ {
		if err := sleep(ctx, attempt); err != nil {
			return next, err
		}
		cur, err := d.getQueue(ctx, name)
		if err != nil {
			return next, err
		}
		open := maps.Clone(cur.stats.Open)
		if open == nil {
			open = map[string]time.Time{}
		}
		for id := range was {
			if _, ok := next.Open[id]; !ok {
				delete(open, id)
			}
		}
		for id, at := range next.Open {
			if old, ok := was[id]; !ok || !old.Equal(at) {
				open[id] = at
			}
		}
		if len(open) == 0 {
			open = nil
		}
		rebased := cur.stats
		rebased.Open = open
		_, waiting, err := encodeQueue(name, rebased)
		if err != nil {
			return next, err
		}
		if waiting == cur.waiting {
			return rebased, nil
		}
		err = d.putQueue(ctx, name, skWaiting, waiting, cur.waitingVersion)
		var lost *lostRace
		if !errors.As(err, &lost) {
			return rebased, err
		}
	}
	return next, fmt.Errorf("store: queue %s: %w after %d attempts", name, ErrConflict, maxAttempts)
}

func (d *DynamoDB) putQueue(ctx context.Context, name, sk, stats string, version int64) error {
	item, err := attributevalue.MarshalMap(queueItem{PK: queuePK(name), SK: sk, Version: version + 1, Stats: stats})
	if err != nil {
		return fmt.Errorf("store: marshal queue %s: %w", name, err)
	}
	expr, err := versionCondition(version)
	if err != nil {
		return err
	}
	_, err = d.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &d.table, Item: item, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return &lostRace{}
	}
	if err != nil {
		return fmt.Errorf("store: put queue %s: %w", name, err)
	}
	return nil
}

// QueueNames scans the whole table for queue items: there is no index for
// queues, so the cost grows with the table (every ticket and de-duplication
// record is read). That is acceptable only because the one caller is the
// rare, operator-run `slawatch report`; nothing on the webhook or checker
// path may call it.
func (d *DynamoDB) QueueNames(ctx context.Context) ([]string, error) {
	expr, err := expression.NewBuilder().
		WithFilter(expression.Name(attrPK).BeginsWith(queuePrefix)).
		WithProjection(expression.NamesList(expression.Name(attrPK))).
		Build()
	if err != nil {
		return nil, fmt.Errorf("store: build queue scan: %w", err)
	}
	in := &dynamodb.ScanInput{
		TableName: &d.table, FilterExpression: expr.Filter(), ProjectionExpression: expr.Projection(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		// A report should list a queue written just before it.
		ConsistentRead: aws.Bool(true),
	}
	var names []string
	for {
		out, err := d.client.Scan(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("store: scan queues: %w", err)
		}
		for _, item := range out.Items {
			var it struct {
				PK string `dynamodbav:"pk"`
			}
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("store: unmarshal queue key: %w", err)
			}
			if name, ok := strings.CutPrefix(it.PK, queuePrefix); ok {
				names = append(names, name)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	// A queue's two items both match.
	slices.Sort(names)
	return slices.Compact(names), nil
}
