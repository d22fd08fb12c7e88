require ["fileinto", "copy"];
# The semicolon after the fileinto is missing.
if address :is "to" "info@acme-old.example" {
    redirect :copy "support@acme-old.example";
    fileinto "INBOX.Info"
}
