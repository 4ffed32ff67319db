## Common
site-name = Helseportal
skip-to-content = Skip to main content
language-link = Språk/Language
log-in = Log in
log-out = Log out
back-to-front = Home
emergency = For emergency medical help, call 113. If it is urgent, call your GP's surgery or the out-of-hours service on 116 117.
footer-help = Helseportal – services from your GP, safely and when it suits you.
footer-emergency = In case of acute illness or injury: call 113.
logged-in-as = Logged in as { $name }
main-menu = Main menu

## Front page
front-title = Helseportal
front-lead = Contact your GP, book appointments, read messages and use health services online.
front-login-lead = Log in with electronic ID to use the services.
front-greeting = Hi, { $name }
front-gp-tile = Your GP
front-gp-tile-text = Contact your GP and see all services
front-services = Your services
front-consent-tile = Consent
front-consent-tile-text = See and change your consent to the use of Helseportal
front-language-tile = Språk/Language
front-language-tile-text = Choose Norwegian or English

## Consent
consent-title = Consent to the use of Helseportal
consent-first-lead = The first time you log in, you must consent to the use of Helseportal. You can change or withdraw your consent at any time.
consent-change-lead = You can change or withdraw your consent at any time.
consent-current = Your consent now: { $level }
consent-choose = Choose a consent level
consent-most-choose = Most people choose the consent level "Full Access".
consent-basis = Basic
consent-basis-text = You can use services that hold no health information about you, such as seeing who your GP is and your GP surgery's contact details.
consent-basis-pluss = Basic+
consent-basis-pluss-text = As Basic. You can also receive and read messages and letters from the health service in your inbox, and be notified of them.
consent-full-tilgang = Full Access
consent-full-tilgang-text = As Basic+. You can also see health information about yourself, such as prescriptions and vaccines, and use the services your GP offers: book an appointment, start an e-consultation, renew a prescription, contact the GP's surgery and book a flu vaccine.
consent-save = Save consent
consent-saved = Your consent has been saved.
consent-missing-choice = You must choose a consent level before you can continue.
consent-withdraw-heading = Withdraw consent
consent-withdraw-text = When you withdraw your consent, you are logged out. The next time you log in, you will be asked for consent again.
consent-withdraw-button = Withdraw consent
consent-withdrawn-title = Consent withdrawn
consent-withdrawn-text = You have withdrawn your consent to the use of Helseportal and are logged out. The next time you log in, you will be asked for consent again.
consent-needs-full = This service requires consent to Full Access.
consent-needs-full-now = You have consented to { $level }. Change your consent to Full Access to use the GP services.
consent-change-link = Change consent

## Your GP
gp-title = GP services
gp-doctor-at-office = GP { $doctor } at { $office }
gp-what-do-you-need = What do you need?
gp-service-bestill-time = Book an appointment
gp-service-bestill-time-text = For a visit to the GP's surgery, or by video if your GP offers this.
gp-service-e-konsultasjon = Start an e-consultation
gp-service-e-konsultasjon-text = Send a message to your GP about something that is not urgent. You pay the normal user fee.
gp-service-forny-resept = Renew a prescription
gp-service-forny-resept-text = Only for prescriptions you have had before.
gp-service-kontakt-legekontoret = Contact the GP's surgery
gp-service-kontakt-legekontoret-text = For administrative questions, such as holidays and access. You cannot get health care through this service.
gp-service-influensavaksine = Book a flu vaccine
gp-service-influensavaksine-text = Book an appointment for a flu vaccine with your GP.
gp-services-heading = Services your GP offers
gp-answer-time = When you contact the surgery through Helseportal, they answer within 5 working days.
gp-no-digital-services = Your GP does not offer digital services on Helseportal
gp-no-digital-services-text = Even though your GP does not offer digital services, you will find here who your GP is and the contact details of the GP's surgery.
gp-office-contact = Contact details of the GP's surgery
gp-phone = Tel. { $phone }
gp-none = You have no GP registered
gp-none-text = Everyone registered as living in Norway has the right to a GP. Contact Helfo to get a GP.

## Language
language-title = Språk/Language
language-lead = Choose the language of Helseportal.
language-nb = Norsk (bokmål)
language-en = English
language-save = Use the chosen language

## Logout
logged-out-title = You are logged out
logged-out-text = Thank you for your visit. Close the browser if you are using a shared computer.
logged-out-inactive-title = You are logged out
logged-out-inactive-text = You were logged out automatically because you have not been active for 30 minutes. Log in again to continue.
session-warning-title = You will soon be logged out
session-warning-text = You have not been active for a while. For your security, you will be logged out automatically in { $minutes } minutes.
session-continue = Stay logged in

## Login
login-failed-title = The login could not be completed
login-failed-text = The login was interrupted or has already been used. Please try to log in again.
login-low-level-title = The login has too low a security level
login-low-level-text = Helseportal holds health information and requires a login at the highest security level. Log in with BankID, Buypass or Commfides.
login-unknown-person-title = We could not find you in the population register
login-unknown-person-text = The person you logged in as is not registered with us. Contact Helseportal user support if you think this is wrong.
login-idp-unavailable-title = The login service does not answer
login-idp-unavailable-text = We cannot reach the login service right now. Please try again in a little while.
login-again = Log in again

## Test login
test-idp-title = Test login
test-idp-lead = This login stands in for the national login service in the demo and test environment. Choose a test person, or enter a national identity number.
test-idp-persons = Test persons
test-idp-citizens = Citizens
test-idp-staff = Staff at GP surgeries
test-idp-fnr = National identity number
test-idp-fnr-hint = 11 digits
test-idp-submit = Log in
test-idp-unknown = No person with this national identity number is registered.
test-idp-bad-request = The login request is not valid.

## Errors
fnr-wrong-length = The national identity number must have 11 digits.
fnr-not-digits = The national identity number may only hold digits.
fnr-check-digits = The national identity number is not valid. Check that you typed it correctly.
fnr-birth-date = The national identity number does not hold a valid date of birth.
error-not-found-title = Page not found
error-not-found-text = We cannot find the page you tried to open. It may have been moved or deleted.
error-unavailable-title = The service is temporarily unavailable
error-unavailable-text = We are having technical problems right now. Nothing you sent has been saved. Please try again in a little while.
error-internal-title = Something went wrong
error-internal-text = An error occurred on our side. Please try again in a little while.
error-csrf-title = The form could not be sent
error-csrf-text = The form has expired or is not valid, and nothing has been changed. Go back, reload the page and try again.
error-bad-request-title = Invalid request
error-bad-request-text = The request could not be processed, and nothing has been changed.
error-forbidden-title = You do not have access
error-forbidden-text = You do not have access to this page.
error-reference = Reference: { $id }
error-go-front = Go to the home page

## GP surgery
office-title = Helseportal for GP surgeries
office-lead = Log in to see enquiries and choose which services the surgery offers.
office-login = Log in as staff
office-not-staff-title = You are not registered as staff
office-not-staff-text = The person you logged in as is not registered as staff at a GP surgery.
office-dashboard-title = { $office }
office-you-are = You are logged in as { $name } ({ $role }).
office-role-lege = doctor
office-role-resepsjon = reception
office-role-kontorleder = practice manager
office-services-link = Services on Helseportal
office-services-title = Services the surgery offers
office-services-lead = Choose which services the citizens on the surgery's lists see on Helseportal. The change applies at once.
office-services-save = Save the services
office-services-saved = The services have been saved.
office-services-readonly = Only the practice manager can change which services the surgery offers.
office-services-none-note = If you choose no services, citizens are told that their GP does not offer digital services.
office-services-offered = Offered now
office-services-not-offered = Not offered
office-practitioners = Practitioners at the surgery
practitioner-fastlege = GP
practitioner-vikar = locum for GP
practitioner-turnuslege = junior doctor
practitioner-jordmor = midwife
practitioner-sykepleier = nurse
practitioner-spesialist = contract specialist
