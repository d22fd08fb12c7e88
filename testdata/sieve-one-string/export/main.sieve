require ["copy", "variables", "vacation"];
set "sender" "info@acme-old.example";
vacation :from "info@acme-old.example" "Away until Monday";
# rule:[Forward]
if address :is "to" "info@acme-old.example" {
  redirect :copy "info@acme-old.example";
}
