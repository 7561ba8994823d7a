"""The mail port: one `MailSender` interface, an SMTP adapter and an `.eml`-files adapter
for instances without a mail server. Mail is sent by event handlers (accounts/tasks.py),
never inside a request, so that a mail server outage delays mail but loses none."""
