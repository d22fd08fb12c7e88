require ["fileinto","copy","vacation"];
# rule:[Sales leads]
if anyof (header :contains "from" "leads@partner.example", address :is "to" "sales@acme-old.example")
{
	fileinto "INBOX/Sales";
}
# rule:[Forward info to the team]
if address :is "to" "info@acme-old.example"
{
	redirect :copy "support@acme-old.example";
	redirect :copy "sales@acme-old.example";
}
# rule:[Old newsletter rule]
if false # header :contains "list-id" "news.acme-old.example"
{
	fileinto "INBOX/News";
}
# rule:[Billing replies]
if header :is "Reply-To" "billing@acme-old.example"
{
	fileinto :copy "INBOX/Billing";
	stop;
}
# rule:[Out of office]
if true
{
	vacation :days 1 :subject "Out of office" :from "info@acme-old.example" :addresses ["info@acme-old.example","sales@acme-old.example"] "We are closed until Monday.
Urgent matters: call +1 555 0100.";
}
