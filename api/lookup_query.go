package api

import (
	"net/url"
	"strings"
)

// queryArgs is a request's query string as url.ParseQuery reads it (the
// same pairs, unescaped the same way, pairs with a ';' or a bad escape left
// out), kept as a list in their order instead of a map. The lookup
// handlers ask for a handful of names once each: a list on the caller's
// stack costs nothing, where r.URL.Query() builds a map per call.
type queryArgs []queryPair

type queryPair struct{ key, value string }

// maxLeanArgs bounds the queries parseArgs reads itself: one with this
// many '&' or more goes through url.ParseQuery, so that its limit on the
// number of parameters (10,000 by default; GODEBUG urlmaxqueryparams set
// below 64 would be the one setting this code does not follow) applies.
const maxLeanArgs = 64

// parseArgs parses raw (a URL's RawQuery) into buf's storage.
func parseArgs(raw string, buf []queryPair) queryArgs {
	if strings.Count(raw, "&") >= maxLeanArgs {
		vals, _ := url.ParseQuery(raw) // as r.URL.Query(): errors drop pairs
		for k, vs := range vals {
			for _, v := range vs {
				buf = append(buf, queryPair{k, v})
			}
		}
		return buf
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k) // returns its argument when nothing is escaped
		if err != nil {
			continue
		}
		if v, err = url.QueryUnescape(v); err != nil {
			continue
		}
		buf = append(buf, queryPair{k, v})
	}
	return buf
}

// Get returns the first value of name, or "" (url.Values.Get).
func (a queryArgs) Get(name string) string {
	for _, p := range a {
		if p.key == name {
			return p.value
		}
	}
	return ""
}

// Has reports whether name is present, even with an empty value
// (url.Values.Has).
func (a queryArgs) Has(name string) bool {
	for _, p := range a {
		if p.key == name {
			return true
		}
	}
	return false
}
