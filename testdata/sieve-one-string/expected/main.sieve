require ["copy", "variables", "vacation"];
set "sender" "info@acme.example";
vacation :from "info@acme.example" "Away until Monday";
# rule:[Forward]
if address :is "to" "info@acme.example" {
  redirect :copy "info@acme.example";
}
