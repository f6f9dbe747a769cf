// Command fix401 gets people past 401 Unauthorized: it diagnoses why a URL
// refuses them and walks them through the fixes, re-testing after each.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:])) }
