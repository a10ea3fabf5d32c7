package glowmarkt

//go:generate go tool oapi-codegen -config ../../oapi-codegen.yaml -package glowmarkt -o client.gen.go ../../api/glowmarkt.yaml
