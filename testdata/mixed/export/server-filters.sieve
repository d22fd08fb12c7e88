# The mail server's filters for info@: the same move, on the server side.
require ["fileinto", "copy"];
if address :is "to" "help@acme-old.example" {
    redirect :copy "info@acme-old.example";
    fileinto "INBOX.Help";
}
