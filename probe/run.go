package probe

import "context"

// Run sends req, follows redirects hop by hop and diagnoses the exchange.
// The error is non-nil only for bad input (an InputError: malformed URL,
// header without a colon, negative timeout); a network failure is recorded
// in Result.Exchange.Failure and judged by the diagnosis.
func Run(ctx context.Context, req Request) (*Result, error) {
	// TODO(lead): implement.
	return &Result{Request: req}, nil
}
