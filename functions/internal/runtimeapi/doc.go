// Package runtimeapi runs a built Lambda bootstrap binary end to end, without
// Docker or the Runtime Interface Emulator, by serving the Lambda Runtime API
// (version 2018-06-01) to it on a loopback port.
//
// A test builds the function with [Build], starts it with [Start] and calls
// [Harness.Invoke] as Lambda would:
//
//	h, err := runtimeapi.Start(ctx, runtimeapi.Options{Binary: runtimeapi.Build(t, "./functions/webhook")})
//	...
//	res, err := h.Invoke(ctx, payload)
//	// res.Payload is the function's response, res.Err its reported error.
//	if err := h.Close(); err != nil { ... } // protocol errors seen, if any
//
// The harness follows the documented API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html and its
// OpenAPI file runtime-api.zip) and what Lambda does around it:
//
//   - One invocation is in flight at a time, as in one execution environment.
//   - The deadline header is Options.Timeout after the runtime receives the
//     invocation; at the deadline the process is killed and Invoke returns
//     [ErrTimeout]. A runtime that does not fetch an invocation within 10 s
//     (Lambda's init limit) is killed too.
//   - A response larger than 6,291,556 bytes is refused with 413 and becomes a
//     Function.ResponseSizeTooLarge error, as Lambda reports it.
//   - When the process has exited (after a panic, os.Exit, a timeout), the
//     next Invoke starts a fresh one: Lambda replaces the execution
//     environment the same way. aws-lambda-go exits after reporting a panic.
//   - A response or error for an unknown or already answered request id gets
//     400 (errorType InvalidRequestID, as the emulator answers) and is kept as
//     a protocol error that Close returns; so is any request to a path the
//     API does not define, which gets 404.
//
// The Extensions, Telemetry and Logs APIs are not served, and response
// streaming is not supported.
package runtimeapi
