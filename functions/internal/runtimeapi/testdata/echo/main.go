// Command echo is the Lambda function the runtimeapi tests drive: it echoes
// its request with what the runtime told it, and misbehaves on request.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type request struct {
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
	// Action is "" (echo), "error", "typed-error", "panic", "exit",
	// "sleep" (Sleep, ignoring the deadline) or "env".
	Action string `json:"action"`
	Sleep  string `json:"sleep,omitempty"`
}

type response struct {
	Message     string          `json:"message"`
	Data        json.RawMessage `json:"data,omitempty"`
	RequestID   string          `json:"requestId"`
	FunctionARN string          `json:"functionArn"`
	DeadlineMs  int64           `json:"deadlineMs"`
	PID         int             `json:"pid"`
	Env         []string        `json:"env,omitempty"`
}

// badRequestError is reported with its type name as errorType.
type badRequestError struct{ reason string }

func (e *badRequestError) Error() string { return "bad request: " + e.reason }

func handle(ctx context.Context, req request) (response, error) {
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return response{}, errors.New("no lambda context")
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		return response{}, errors.New("no deadline")
	}
	logger.InfoContext(ctx, "echo", "action", req.Action)
	switch req.Action {
	case "error":
		return response{}, errors.New(req.Message)
	case "typed-error":
		return response{}, &badRequestError{reason: req.Message}
	case "panic":
		panic(req.Message)
	case "exit":
		fmt.Fprintln(os.Stderr, req.Message)
		os.Exit(3)
	case "sleep":
		d, err := time.ParseDuration(req.Sleep)
		if err != nil {
			return response{}, err
		}
		time.Sleep(d)
	}
	resp := response{
		Message:     req.Message,
		Data:        req.Data,
		RequestID:   lc.AwsRequestID,
		FunctionARN: lc.InvokedFunctionArn,
		DeadlineMs:  deadline.UnixMilli(),
		PID:         os.Getpid(),
	}
	if req.Action == "env" {
		resp.Env = os.Environ()
		sort.Strings(resp.Env)
	}
	return resp, nil
}

// logger writes JSON with the request id to stdout. It is not made the
// slog default, which would also send the log package's output (where
// aws-lambda-go reports panics) to stdout.
var logger = lambdacontext.NewLogger()

func main() {
	if os.Getenv("ECHO_INIT") == "error" {
		reportInitError("echo: ECHO_INIT asks for an init error")
		os.Exit(1)
	}
	lambda.Start(handle)
}

// reportInitError posts to the Runtime API's init error endpoint, as a
// runtime does when it cannot initialize.
func reportInitError(msg string) {
	body, _ := json.Marshal(map[string]any{"errorMessage": msg, "errorType": "Runtime.ConfigInvalid", "stackTrace": []string{}})
	url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigInvalid")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	fmt.Fprintln(os.Stderr, strings.TrimSpace(msg))
}
