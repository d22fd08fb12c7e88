# The mail server's filters for info@: the same move, on the server side.
require ["fileinto", "copy"];
if address :is "to" "help@acme.example" {
    redirect :copy "info@acme.example";
    fileinto "INBOX.Help";
}
