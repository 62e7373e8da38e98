package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slawatch/slawatch/shared/sla"
)

// The single-table layout; docs/data-model.md explains it.
const (
	attrPK       = "pk"
	attrSK       = "sk"
	attrDueShard = "due_shard"
	attrDueAt    = "due_at"
	attrExpires  = "expires_at" // the table's TTL attribute: clean-up only
	attrVersion  = "version"    // optimistic concurrency: tickets and queues
	attrWrite    = "put_token"  // a ticket put's random token: its own write, found after a lost answer
	dueIndex     = "due"

	// The running index: tickets with a running clock, by deadline.
	attrRunShard = "run_shard"
	attrRunDue   = "run_due"
	attrRunClock = "run_clock" // projected: the sla.Clock as JSON
	runIndex     = "running"

	skTicket = "TICKET"
	skEvent  = "EVENT"

	// DueShards spreads the due index over a fixed set of partitions so that
	// no single partition takes every write; the due query reads each. The
	// running index is sharded the same way.
	DueShards = 8

	maxAttempts = 64 // optimistic-concurrency retries before ErrConflict
)

// DynamoDBAPI is the part of the DynamoDB client the store uses.
type DynamoDBAPI interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// DynamoDB stores tickets, queues and history in one DynamoDB table.
type DynamoDB struct {
	// HistoryRetention is how long history records are kept after their
	// clock ended (the TTL attribute's value); zero means
	// DefaultRetention. Set it before first use.
	HistoryRetention time.Duration

	client DynamoDBAPI
	table  string
	now    func() time.Time
	recent *recent
}

var (
	_ Tickets = (*DynamoDB)(nil)
	_ Clocks  = (*DynamoDB)(nil)
)

// NewDynamoDB returns a store over table. now stamps de-duplication
// records' expiry; nil means time.Now.
func NewDynamoDB(client DynamoDBAPI, table string, now func() time.Time) (*DynamoDB, error) {
	if client == nil || table == "" {
		return nil, errors.New("store: DynamoDB needs a client and a table name")
	}
	if now == nil {
		now = time.Now
	}
	return &DynamoDB{client: client, table: table, now: now, recent: newRecent(time.Now)}, nil
}

// ticketItem is a ticket as stored. The state is the ticket's JSON (the
// engine's own encoding), compressed (encodeState); the due attributes
// exist only while an alert is pending, and the run attributes only while
// a clock runs with a deadline, which keeps both indexes sparse.
type ticketItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Version  int64  `dynamodbav:"version"`
	State    []byte `dynamodbav:"state"`
	DueShard string `dynamodbav:"due_shard,omitempty"`
	DueAt    int64  `dynamodbav:"due_at,omitempty"` // Unix milliseconds
	RunShard string `dynamodbav:"run_shard,omitempty"`
	RunDue   int64  `dynamodbav:"run_due,omitempty"`   // Unix milliseconds
	RunClock string `dynamodbav:"run_clock,omitempty"` // sla.Clock as JSON
}

// newTicketItem is the item that stores t at version: every put writes
// the whole item, so index attributes the ticket no longer calls for are
// simply absent and it leaves those indexes.
func newTicketItem(k Key, t sla.Ticket, version int64) (ticketItem, error) {
	state, err := encodeState(t)
	if err != nil {
		return ticketItem{}, fmt.Errorf("store: encode ticket %s/%s: %w", k.Source, k.ID, err)
	}
	it := ticketItem{PK: ticketPK(k), SK: skTicket, Version: version, State: state}
	if at, ok := t.NextAlertAt(); ok {
		it.DueShard, it.DueAt = shardOf(it.PK), at.UnixMilli()
	}
	if c, ok := t.RunningClock(); ok {
		// Projected into the index, so the at-risk view reads no ticket.
		clock, err := json.Marshal(c)
		if err != nil {
			return ticketItem{}, fmt.Errorf("store: encode clock of %s/%s: %w", k.Source, k.ID, err)
		}
		it.RunShard, it.RunDue, it.RunClock = "R#"+strconv.Itoa(shardNum(it.PK)), c.Due.UnixMilli(), string(clock)
	}
	return it, nil
}

type eventItem struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Expires int64  `dynamodbav:"expires_at"` // Unix seconds, for TTL
}

// Source names cannot contain '#' (the configuration refuses them), so the
// first '#' after the prefix ends the source; ticket ids may contain any
// character.
func ticketPK(k Key) string { return "T#" + k.Source + "#" + k.ID }

func eventPK(source, eventID string) string { return "E#" + source + "#" + eventID }

func keyOf(pk string) (Key, bool) {
	rest, ok := strings.CutPrefix(pk, "T#")
	if !ok {
		return Key{}, false
	}
	src, id, ok := strings.Cut(rest, "#")
	return Key{Source: src, ID: id}, ok
}

func shardOf(pk string) string { return "D#" + strconv.Itoa(shardNum(pk)) }

// shardNum spreads tickets over DueShards by a hash of their key.
func shardNum(pk string) int {
	h := fnv.New32a()
	h.Write([]byte(pk))
	return int(h.Sum32() % DueShards)
}

func (d *DynamoDB) Get(ctx context.Context, k Key) (sla.Ticket, error) {
	t, it, err := d.get(ctx, k)
	if err == nil {
		// For an Update soon after (recent): the acknowledgement's claim
		// after Observe's read.
		d.recent.remember(k, it.Version, it.State)
	}
	return t, err
}

// get reads a ticket and its item (version, stored state) with a
// consistent read.
func (d *DynamoDB) get(ctx context.Context, k Key) (sla.Ticket, ticketItem, error) {
	key, err := attributevalue.MarshalMap(struct {
		PK string `dynamodbav:"pk"`
		SK string `dynamodbav:"sk"`
	}{ticketPK(k), skTicket})
	if err != nil {
		return sla.Ticket{}, ticketItem{}, fmt.Errorf("store: marshal key: %w", err)
	}
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return sla.Ticket{}, ticketItem{}, fmt.Errorf("store: get ticket %s/%s: %w", k.Source, k.ID, err)
	}
	if len(out.Item) == 0 {
		return sla.Ticket{}, ticketItem{}, ErrNotFound
	}
	return decodeTicketItem(k, out.Item)
}

func decodeTicketItem(k Key, item map[string]types.AttributeValue) (sla.Ticket, ticketItem, error) {
	var it ticketItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return sla.Ticket{}, it, fmt.Errorf("store: unmarshal ticket %s/%s: %w", k.Source, k.ID, err)
	}
	var t sla.Ticket
	if err := decodeState(it.State, &t); err != nil {
		return sla.Ticket{}, it, fmt.Errorf("store: decode ticket %s/%s: %w", k.Source, k.ID, err)
	}
	return t, it, nil
}

// Update reads the ticket, applies fn and writes the result on condition
// that nobody wrote in between (the version attribute), retrying on a lost
// race. The ticket itself de-duplicates events: a repeat of an event it
// holds (sla.Ticket.Holds: its log and the checkpoint's remembered ids) is
// ErrDuplicate before fn runs, and a new state that holds the event is
// written with one conditional PutItem, so the common path is two
// requests: the read and the put. Only a new state that does not hold its
// event (fn did not log it) is written in a transaction with the event's
// de-duplication record (docs/data-model.md, "De-duplication").
//
// When this store read or wrote the ticket a moment ago (recent), the read
// is skipped and the put is tried on that state: a refused put returns the
// current item, which the next attempt starts from. fn's verdict that
// nothing changes, or its error, counts only on a state just read, since a
// remembered one may be stale; a repeat found in one is a repeat all the
// same, as a ticket never lets go of an event it held.
func (d *DynamoDB) Update(ctx context.Context, k Key, eventID string, fn UpdateFunc) (sla.Ticket, error) {
	var cur sla.Ticket
	var version int64
	var have, verified bool
	mem, ok := d.recent.take(k)
	if ok && decodeState(mem.state, &cur) == nil {
		version, have = mem.version, true
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if !have {
			t, it, err := d.get(ctx, k)
			switch {
			case errors.Is(err, ErrNotFound):
				t, it.Version = sla.New(k.Source, k.ID), 0
			case err != nil:
				return sla.Ticket{}, err
			}
			cur, version, verified = t, it.Version, true
		}
		have = false
		if cur.Holds(eventID) {
			if !verified {
				d.recent.remember(k, mem.version, mem.state) // still as good
			}
			return cur, ErrDuplicate
		}
		next, changed, err := fn(cur)
		if err != nil || !changed {
			if !verified {
				attempt-- // not a race: read and decide again
				continue
			}
			return cur, err
		}
		state, err := d.put(ctx, k, eventID, next, version)
		var lost *lostRace
		switch {
		case err == nil:
			d.recent.remember(k, version+1, state)
			return next, nil
		case errors.Is(err, ErrDuplicate):
			return cur, ErrDuplicate
		case errors.As(err, &lost):
			if !verified && len(lost.item) > 0 {
				// A remembered state went stale: go on from the current
				// one the refusal returned, at once.
				if t, it, err := decodeTicketItem(k, lost.item); err == nil {
					cur, version, have, verified = t, it.Version, true, true
					continue
				}
			}
			if err := sleep(ctx, attempt); err != nil {
				return cur, err
			}
			continue
		default:
			return cur, err
		}
	}
	return sla.Ticket{}, fmt.Errorf("store: ticket %s/%s: %w after %d attempts", k.Source, k.ID, ErrConflict, maxAttempts)
}

// lostRace: another writer changed the item (a ticket or a queue) since it
// was read. item is what a refused ticket put found stored, when known.
type lostRace struct {
	item map[string]types.AttributeValue
}

func (*lostRace) Error() string { return "item changed concurrently" }

// sleep backs off with jitter, so that writers racing on one item spread
// out instead of colliding again.
func sleep(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// put writes t at version+1 on condition that the item is still at
// version, and returns the state it stored.
func (d *DynamoDB) put(ctx context.Context, k Key, eventID string, t sla.Ticket, version int64) ([]byte, error) {
	it, err := newTicketItem(k, t, version+1)
	if err != nil {
		return nil, err
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("store: marshal ticket %s/%s: %w", k.Source, k.ID, err)
	}
	// This put's own token (see landed). Not the state: two writers can
	// make the same state from the same version — the same event, or the
	// same claim at the same instant — and each would take the other's
	// write for its own.
	token := strconv.FormatUint(rand.Uint64(), 36)
	item[attrWrite] = &types.AttributeValueMemberS{Value: token}
	expr, err := versionCondition(version)
	if err != nil {
		return nil, err
	}
	put := &types.Put{
		TableName: &d.table, Item: item, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}

	if eventID == "" || t.Holds(eventID) {
		// The ticket records its event: a repeat finds it there, so no
		// record is needed, and a plain put costs half a transaction's
		// write units.
		_, err := d.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
			ExpressionAttributeNames: put.ExpressionAttributeNames, ExpressionAttributeValues: put.ExpressionAttributeValues,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		var failed *types.ConditionalCheckFailedException
		if errors.As(err, &failed) {
			if landed(failed.Item, token) {
				// The SDK retried a put whose first attempt was written
				// but whose answer was lost: the stored item is ours.
				return it.State, nil
			}
			return nil, &lostRace{item: failed.Item}
		}
		if err != nil {
			return nil, fmt.Errorf("store: put ticket %s/%s: %w", k.Source, k.ID, err)
		}
		return it.State, nil
	}

	dedup, err := attributevalue.MarshalMap(eventItem{PK: eventPK(k.Source, eventID), SK: skEvent, Expires: d.now().Add(DedupTTL).Unix()})
	if err != nil {
		return nil, fmt.Errorf("store: marshal event record: %w", err)
	}
	// An expired record is as good as absent: TTL deletes lazily.
	fresh := expression.AttributeNotExists(expression.Name(attrPK)).
		Or(expression.Name(attrExpires).LessThan(expression.Value(d.now().Unix())))
	dexpr, err := expression.NewBuilder().WithCondition(fresh).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build condition: %w", err)
	}
	_, err = d.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &d.table, Item: dedup, ConditionExpression: dexpr.Condition(),
			ExpressionAttributeNames: dexpr.Names(), ExpressionAttributeValues: dexpr.Values()}},
		{Put: put},
	}})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		reasons := canceled.CancellationReasons
		if len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
			return nil, ErrDuplicate
		}
		if len(reasons) > 1 && aws.ToString(reasons[1].Code) == "ConditionalCheckFailed" {
			return nil, &lostRace{}
		}
		// TransactionConflict: a concurrent transaction on the same items.
		if slices.ContainsFunc(reasons, func(r types.CancellationReason) bool { return aws.ToString(r.Code) == "TransactionConflict" }) {
			return nil, &lostRace{}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: write ticket %s/%s with event %s: %w", k.Source, k.ID, eventID, err)
	}
	return it.State, nil
}

// landed reports whether the item a failed conditional put found stored
// carries the put's own token: then the condition failed only because an
// earlier attempt of the same put — the SDK retrying it with the same
// input after its answer was lost — had been written.
func landed(stored map[string]types.AttributeValue, token string) bool {
	s, ok := stored[attrWrite].(*types.AttributeValueMemberS)
	return ok && s.Value == token
}

// versionCondition is the optimistic-concurrency condition of a write of an
// item read at version: still at that version, or still absent when version
// is 0 (never stored).
func versionCondition(version int64) (expression.Expression, error) {
	cond := expression.AttributeNotExists(expression.Name(attrPK))
	if version > 0 {
		cond = expression.Name(attrVersion).Equal(expression.Value(version))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return expression.Expression{}, fmt.Errorf("store: build condition: %w", err)
	}
	return expr, nil
}

// due is a ticket found in the due index.
type due struct {
	k  Key
	at int64
}

// dueShard reads one shard of the due index, in due order, up to limit.
func (d *DynamoDB) dueShard(ctx context.Context, shard int, before time.Time, limit int) ([]due, error) {
	cond := expression.Key(attrDueShard).Equal(expression.Value("D#" + strconv.Itoa(shard))).
		And(expression.Key(attrDueAt).LessThanEqual(expression.Value(before.UnixMilli())))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build due query: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName: &d.table, IndexName: aws.String(dueIndex),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		Limit: aws.Int32(int32(min(limit, 1000))),
	}
	var all []due
	// More than limit from one shard can never be needed.
	for len(all) < limit {
		out, err := d.client.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("store: due query shard %d: %w", shard, err)
		}
		for _, item := range out.Items {
			var it ticketItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("store: unmarshal due item: %w", err)
			}
			if k, ok := keyOf(it.PK); ok {
				all = append(all, due{k, it.DueAt})
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return all, nil
}

// Due queries each shard of the sparse due index for items due by before:
// the cost follows the number of due tickets, not the number of open ones.
func (d *DynamoDB) Due(ctx context.Context, before time.Time, limit int) ([]Key, error) {
	if limit <= 0 {
		return nil, nil
	}
	all, err := eachShard(func(shard int) ([]due, error) { return d.dueShard(ctx, shard, before, limit) })
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b due) int { return cmp.Compare(a.at, b.at) })
	keys := make([]Key, 0, min(limit, len(all)))
	for _, d := range all[:min(limit, len(all))] {
		keys = append(keys, d.k)
	}
	return keys, nil
}

// eachShard reads the DueShards shards of an index with read and returns
// what they found, in shard order. The shards are independent partitions:
// reading them at once makes a query cost one round trip, not eight.
func eachShard[T any](read func(shard int) ([]T, error)) ([]T, error) {
	found := make([][]T, DueShards)
	errs := make([]error, DueShards)
	var wg sync.WaitGroup
	for shard := range DueShards {
		wg.Go(func() { found[shard], errs[shard] = read(shard) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(found...), nil
}

// runItem is a ticket as the running index projects it.
type runItem struct {
	PK       string `dynamodbav:"pk"`
	RunClock string `dynamodbav:"run_clock"`
}

// runShard reads one shard of the running index, earliest deadline first,
// until it has limit+1 clocks that keep accepts (one more than can be
// returned: enough to tell whether the limit cut any) or the shard ends.
func (d *DynamoDB) runShard(ctx context.Context, shard, limit int, keep func(Clock) bool) ([]Clock, error) {
	cond := expression.Key(attrRunShard).Equal(expression.Value("R#" + strconv.Itoa(shard)))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build running query: %w", err)
	}
	page := limit + 1
	if keep != nil {
		// A filter may reject most of a page: read big ones.
		page = 1000
	}
	in := &dynamodb.QueryInput{
		TableName: &d.table, IndexName: aws.String(runIndex),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		Limit: aws.Int32(int32(min(page, 1000))),
	}
	var all []Clock
	for len(all) <= limit {
		out, err := d.client.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("store: running query shard %d: %w", shard, err)
		}
		for _, item := range out.Items {
			var it runItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("store: unmarshal running item: %w", err)
			}
			k, ok := keyOf(it.PK)
			if !ok {
				continue
			}
			c := Clock{Key: k}
			if err := json.Unmarshal([]byte(it.RunClock), &c.Clock); err != nil {
				return nil, fmt.Errorf("store: decode clock of %s/%s: %w", k.Source, k.ID, err)
			}
			if keep == nil || keep(c) {
				all = append(all, c)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return all, nil
}

// Running queries each shard of the sparse running index, in deadline
// order: the cost follows the clocks returned (one Query a shard for up
// to 1,000), not the number of tickets, open or closed.
func (d *DynamoDB) Running(ctx context.Context, limit int, keep func(Clock) bool) ([]Clock, bool, error) {
	limit = max(limit, 0)
	all, err := eachShard(func(shard int) ([]Clock, error) { return d.runShard(ctx, shard, limit, keep) })
	if err != nil {
		return nil, false, err
	}
	// Each shard gave at most limit+1: more than limit in all means at
	// least one was cut, and the first limit are the earliest overall.
	slices.SortFunc(all, byDue)
	return slices.Clip(all[:min(limit, len(all))]), len(all) > limit, nil
}

// CreateTable creates the table with its due and running indexes and TTL, for local
// development and tests; in AWS the SAM template creates it.
func CreateTable(ctx context.Context, client interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}, table string) error {
	s, n := types.ScalarAttributeTypeS, types.ScalarAttributeTypeN
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   &table,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(attrPK), AttributeType: s},
			{AttributeName: aws.String(attrSK), AttributeType: s},
			{AttributeName: aws.String(attrDueShard), AttributeType: s},
			{AttributeName: aws.String(attrDueAt), AttributeType: n},
			{AttributeName: aws.String(attrRunShard), AttributeType: s},
			{AttributeName: aws.String(attrRunDue), AttributeType: n},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(attrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(attrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(dueIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(attrDueShard), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(attrDueAt), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}, {
			IndexName: aws.String(runIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(attrRunShard), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(attrRunDue), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{attrRunClock}},
		}},
	})
	if err != nil {
		return fmt.Errorf("store: create table %s: %w", table, err)
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               &table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attrExpires), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("store: enable TTL on %s: %w", table, err)
	}
	return nil
}
