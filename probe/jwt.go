package probe

import "time"

// TokenInfo is a JWT decoded without verifying its signature.
type TokenInfo struct {
	// Where names where the token was found ("Authorization: Bearer",
	// "cookie session", "query access_token", "pasted").
	Where  string         `json:"where"`
	Header map[string]any `json:"header"`
	Claims map[string]any `json:"claims"`
	// Convenience copies of the registered claims; zero when absent.
	Alg       string    `json:"alg,omitempty"`
	Typ       string    `json:"typ,omitempty"`
	Issuer    string    `json:"iss,omitempty"`
	Subject   string    `json:"sub,omitempty"`
	Audience  []string  `json:"aud,omitempty"`
	Scopes    []string  `json:"scope,omitempty"`
	Expires   time.Time `json:"exp,omitempty"`
	NotBefore time.Time `json:"nbf,omitempty"`
	IssuedAt  time.Time `json:"iat,omitempty"`
	// Signed is false for alg "none" or an empty signature part.
	Signed bool `json:"signed"`
}

// DecodeJWT decodes a compact JWS (three base64url parts) without verifying
// it. A leading "Bearer " is ignored. It returns an error for anything that
// is not a JWT; the error never contains the token.
func DecodeJWT(token string) (TokenInfo, error) {
	// TODO(helper): implement.
	return TokenInfo{}, errNotJWT
}
