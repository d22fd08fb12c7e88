require ["fileinto"];
# rule:[Info to the team]
# (disabled while the team is away)
if false # anyof (address :is "to" "info@old.example")
{
	fileinto "Team";
}
/* info@old.example.net is another address */
if header :contains "subject" "# info@old.example" { keep; }
