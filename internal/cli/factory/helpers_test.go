package factory

// Test secrets (obviously fake).
const (
	adminPassword = "fake-Admin-Passw0rd"
	apiToken      = "fake-cli-api-token"
)
