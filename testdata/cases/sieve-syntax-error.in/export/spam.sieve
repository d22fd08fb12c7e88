# No addresses here: this file must not change.
require ["fileinto"];
if anyof (header :contains "X-Spam-Flag" "YES", header :contains "subject" "[SPAM]") {
    fileinto "Junk";
    stop;
}
