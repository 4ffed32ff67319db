## Common
site-name = Helseportal
skip-to-content = Skip to main content
language-link = Språk/Language
log-in = Log in
log-out = Log out
back-to-front = Home
emergency = For emergency medical help, call 113. If it is urgent, call your GP's surgery or the out-of-hours service on 116 117.
test-environment-banner = Test environment — not a real login. Anyone can log in as anyone here, and all the persons are made up.
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
logged-out-inactive-text = You were logged out automatically because you have not been active for { $duration }. Log in again to continue.
logged-out-max-age-text = You were logged out automatically because it is { $duration } since you logged in. Log in again to continue.
session-warning-title = You will soon be logged out
session-warning-text = You have not been active for a while. For your security, you will be logged out automatically in { $duration }.
duration-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
duration-seconds = { $count ->
    [one] { $count } second
   *[other] { $count } seconds
}
duration-hours = { $count ->
    [one] { $count } hour
   *[other] { $count } hours
}
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
error-method-not-allowed-title = The page cannot be used this way
error-method-not-allowed-text = The page exists, but cannot be opened or sent the way you tried. Nothing has been changed. Go back and use the links and buttons on the page.
error-forbidden-title = You do not have access
error-forbidden-text = You do not have access to this page.
error-reference = Reference: { $id }
error-too-many-title = Please wait
error-too-many-text = You have done this many times in a short time. To protect you and others, please wait a little before you try again. Nothing has been changed.
error-try-again-in = You can try again in { $duration }.
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

## Common buttons
next = Next
back = Back
cancel = Cancel
send = Send
yes = Yes
no = No
char-count = { $count }/{ $max } characters
char-count-template = %count%/%max% characters
error-summary-title = The form has errors
error-field-missing = You must fill in "{ $field }".
error-field-too-long = The text is too long: { $actual } characters, the maximum is { $max }.
error-field-too-much-stored = The text holds too many combined characters, such as accents or emoji, to be saved. Remove some of them.
consent-needs-title = The service needs another consent
consent-needs-basis-pluss = The inbox requires consent to Basic+ or Full Access.

## Front page: inbox
front-inbox-tile = Inbox
front-inbox-tile-text = Messages and letters from the health service.
front-unread = { $count } unread

## E-consultation
ekons-title = E-consultation
ekons-pre-heading = E-consultation:
ekons-step-1 = Step 1 of 4
ekons-step-2 = Step 2 of 4
ekons-step-3 = Step 3 of 4
ekons-step-4 = Step 4 of 4
ekons-info-title = Important information before you book an e-consultation
ekons-info-answer-time = You usually get an answer within 5 working days.
ekons-info-not-urgent = Only for situations that are not urgent and do not need a visit in person.
ekons-info-copayment = You pay the normal user fee.
ekons-info-sick-leave = Cannot be used for sick leave, unless agreed with your GP beforehand.
ekons-info-accept = I understand that I must pay the user fee as for a normal appointment. (If you have an exemption card or are exempt from user fees, you do not have to pay.)
ekons-error-copayment = You must tick the box to confirm that you understand you must pay the user fee before you can continue.
ekons-practitioners-title = Available practitioners
ekons-practitioners-legend = Choose a practitioner
ekons-practitioners-note = If the practitioner is unavailable, the e-consultation may be read and answered by other health personnel at the surgery.
ekons-describe-title = Describe your situation
ekons-all-required = All fields must be filled in.
ekons-subject-label = What do you want help with from your GP?
ekons-subject-hint = At most 50 characters.
ekons-symptoms-label = Describe your symptoms or complaints
ekons-symptoms-hint = For example how they started, how long they have lasted and any change over time.
ekons-daily_life-label = How do your health problems affect your daily life?
ekons-daily_life-hint = For example your ability to work, leisure activities, housework or the like.
ekons-tried-label = Have you tried to treat this?
ekons-tried-hint = For example medicines, other treatments or sick leave.
ekons-treatment-label = Which treatment have you tried and what effect has it had?
ekons-treatment-hint = Fill in if you answered Yes.
ekons-error-tried = You must answer Yes or No to "Have you tried to treat this?".
ekons-review-title = Check before you send
ekons-review-addressee = This message will be sent to { $name }
ekons-review-subject = The enquiry is about:
ekons-review-message = Message:
ekons-attachments-title = Add attachments (optional)
ekons-attachments-hint = You can attach up to 3 files of 20MB in total in the formats JPG, PNG or PDF.
ekons-choose-files = Choose files
ekons-upload = Upload
ekons-remove-attachment = Remove
ekons-stored-in-record = The e-consultation is stored in the doctor's record system.
ekons-file-empty = The file "{ $name }" is empty.
ekons-file-wrong-type = The file "{ $name }" is not JPG, PNG or PDF. You can only attach pictures in JPG and PNG and documents in PDF.
ekons-file-broken = The file "{ $name }" is damaged or incomplete and cannot be attached.
ekons-file-too-many = The file "{ $name }" was not attached: you can attach up to 3 files.
ekons-file-too-large = The file "{ $name }" was not attached: you can attach 20MB in total.
ekons-upload-too-large = The files are too large: you can attach 20MB in total. No files were attached.
ekons-file-active-content = The file "{ $name }" is a PDF with content that can run by itself (scripts, actions that start programs, or files placed inside it), and cannot be attached. Save or print it as an ordinary PDF, or take a picture of it, and try again.
ekons-file-unreadable-pdf = The file "{ $name }" is a PDF that is encrypted or packed so that we cannot check its content, and cannot be attached. Save or print it as an ordinary PDF without a password, and try again.
ekons-upload-none-added = None of the files you chose this time were attached. Choose only the files that can be attached, and upload them again.

## Sent
sent-title = The message has been sent
sent-answer-time = You usually get an answer within 5 working days. You find sent and received messages in your inbox on Helseportal.
sent-worse = If your health gets worse, you must contact the GP's surgery.
go-to-inbox = Go to the inbox

## Contact the GP's surgery
contact-title = Contact the GP's surgery
contact-not-health = You cannot get health care through this service. It is for administrative questions, such as holidays and access, and is normally answered by the reception.
contact-subject-label = Subject
contact-subject-hint = At most 50 characters.
contact-text-label = Message
contact-text-hint = Write briefly what your enquiry is about. At most 1000 characters.

## Inbox
inbox-title = Inbox
inbox-search = Find message
inbox-search-button = Search
inbox-count = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
inbox-empty = No messages.
inbox-unread = Unread
inbox-sent = Sent:
inbox-details = See details
inbox-more = Show more messages
back-to-inbox = Back to the inbox
thread-title = Message
thread-kind-e-konsultasjon = E-consultation
thread-kind-kontakt-legekontoret = Contact the GP's surgery
thread-status-open = Awaiting answer
thread-status-answered = Answered
thread-to = To: { $name }
new-message-title = Write a new message
new-message-lead = Choose the health contact you want to send a message to.
new-message-none = You have no health contacts that receive messages on Helseportal.
contact-kind-gp = GP surgery
contact-kind-specialist = Contract specialist

## The surgery's inbox
office-queue-link = The surgery's inbox
office-queue-waiting = { $count ->
    [one] { $count } enquiry awaits an answer
   *[other] { $count } enquiries await an answer
}
queue-title = The surgery's inbox
queue-filter-type = Type
queue-filter-practitioner = Practitioner
queue-filter-all = All
queue-filter-button = Filter
queue-empty = No enquiries await an answer.
queue-type = Type
queue-patient = Patient
queue-subject = About
queue-practitioner = Practitioner
queue-received = Received
queue-due = Due
queue-overdue = Overdue
office-thread-title = Enquiry
office-answer-label = Answer to the patient
office-answer-send = Send answer
office-answer-sent = The answer has been sent to the patient.
office-already-answered = The enquiry has already been answered.
office-copayment-note = When you answer, the patient is charged the normal user fee (NOK { $amount }), unless the patient is under 16 or has an exemption card.

## Dates
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
weekday-short-1 = Mon
weekday-short-2 = Tue
weekday-short-3 = Wed
weekday-short-4 = Thu
weekday-short-5 = Fri
weekday-short-6 = Sat
weekday-short-7 = Sun

## Booking
thread-kind-bestill-time = Book an appointment
thread-kind-forny-resept = Renew a prescription
thread-kind-influensavaksine = Book a flu vaccine
booking-title = Book an appointment
booking-flu-title = Book a flu vaccine
booking-choose-practitioner = Choose a practitioner at { $office }
booking-choose-time = Choose a time
booking-today = Today
booking-previous-month = Previous month
booking-next-month = Next month
booking-calendar-caption = { $month }. Dates with free appointments are marked.
booking-day-has-free = free appointments
booking-free-on = Free appointments { $date }
booking-none-this-day = No free appointments this day. Choose another day or month.
booking-choose-day = Choose a day with free appointments in the calendar.
booking-later = Appointments that may become available later
booking-later-text = These appointments cannot be booked online now. The surgery may make them available later.
booking-place = Place: { $place }
booking-not-found = Cannot find a free appointment?
booking-call-office = Contact the GP's surgery directly
booking-call-office-text = Contact the surgery to ask whether they have free appointments that are not shown online.
booking-type-konsultasjon = Consultation
booking-type-videotime = Video appointment
booking-type-telefontime = Phone appointment
booking-type-hastetime = Urgent appointment
booking-explain-konsultasjon = A consultation is an appointment in person at the GP's surgery.
booking-explain-videotime = A video appointment suits you if you do not need tests or examinations.
booking-explain-telefontime = A phone appointment suits you if you do not need tests or examinations.
booking-explain-hastetime = An urgent appointment is for matters that must be seen the same day.
booking-review-title = Check before you send
booking-review-with = Appointment with { $practitioner }, { $office }
booking-review-type = Type: { $type }
booking-review-duration = Expected duration: { $minutes } min
booking-review-journal = The request will be recorded in your medical record.
booking-reason-label = What is the appointment about? (max 50 characters)
booking-reason-hint = E.g. stomach pain
booking-send = Send request
booking-sent-title = The booking request has been sent
booking-sent-request = The request is only a request. The appointment is not yours until you receive a confirmation.
booking-sent-worse = If your health changes before the appointment, you must contact the GP's surgery.
booking-sent-inbox = You find information about the booking in your inbox.
booking-taken-title = Unfortunately, the appointment is no longer free
booking-taken-text = Someone else has booked this appointment. Choose another time in the calendar.
booking-back-to-calendar = Back to the calendar
booking-message = Requested appointment: { $when }.
booking-message-reason = The appointment is about: { $reason }
booking-confirm = Confirm the appointment
booking-reject = Reject the request
booking-reject-reason = Reason for the patient
booking-confirmed-message = The appointment is confirmed: { $when }.
booking-status-forespurt = Requested
booking-status-tildelt = Confirmed
booking-status-avvist = Rejected
booking-status-avbestilt = Cancelled
booking-office-block = Booking
booking-office-status = Status: { $status }
booking-office-already = The request has already been answered.

## Appointments
appointments-title = Appointments
appointments-upcoming = Upcoming appointments
appointments-earlier = Earlier and closed
appointments-none = You have no appointments.
appointment-heading = { $when }: { $type } at { $office }
appointment-duration = Expected duration: { $minutes } min
appointment-reason = The appointment is about: { $reason }
appointment-practitioner = Practitioner: { $name }
appointment-status = Status: { $status }
appointment-add-to-calendar = Add to my calendar
appointment-video = This is a video appointment
appointment-video-text = Be ready at least 5 minutes before the video appointment starts, and make sure picture and sound work. Sit where there is no background noise and no one else is involved.
appointment-manage = Manage the appointment
appointment-cancel = Cancel the appointment
appointment-cancel-too-late = The appointment cannot be cancelled online later than { $hours } hours before it starts. Call the GP's surgery on { $phone }.
appointment-cancelled = The appointment is cancelled.
appointment-cancel-message = The patient has cancelled the appointment.
front-appointments-tile = Appointments
front-appointments-tile-text = Appointments with the health service.
error-conflict-title = The change could not be made
error-conflict-text = Something was changed meanwhile, or the time limit has passed. Nothing has been changed. Reload the page to see how things stand now.

## The surgery's slots
office-slots-link = Appointments on Helseportal
office-slots-title = Appointments on Helseportal
office-slots-practitioner = Practitioner
office-slots-show = Show appointments
office-slots-upcoming = Appointments in the next 14 days
office-slots-none = No appointments in the next 14 days.
office-slots-free = Free
office-slots-held = Booked
office-slots-later = Not online yet
office-slots-remove = Remove
office-slots-removed = The appointment slot has been removed.
office-slots-held-error = The slot is requested or booked and cannot be removed. Cancel it with a message to the patient first.
office-slots-single = Add one appointment
office-slots-date = Date
office-slots-time = Time
office-slots-length = Duration (minutes)
office-slots-type = Type
office-slots-purpose = For
office-slots-purpose-time = Appointment with practitioner
office-slots-purpose-influensavaksine = Flu vaccine
office-slots-released = Bookable online now
office-slots-add = Add the appointment
office-slots-template = Make appointments from a weekly pattern
office-slots-weekdays = Weekdays
office-slots-from = From date
office-slots-to = To date (inclusive)
office-slots-day-start = First appointment starts
office-slots-day-end = Last appointment ends
office-slots-make = Make the appointments
office-slots-added = { $count ->
    [one] { $count } appointment has been added.
   *[other] { $count } appointments have been added.
}
office-slots-closing = Closing days
office-slots-closing-hint = On closing days the weekly pattern makes no appointments. Public holidays are always closed.
office-slots-add-closing = Add closing day
office-slots-error-date = Enter a valid date (YYYY-MM-DD).
office-slots-error-time = Enter a valid time (HH:MM).
office-slots-error-length = The duration must be between 5 and 240 minutes.
office-slots-error-template = The weekly pattern is not valid: choose at least one weekday, a period of at most a year and an end after the start.
office-slots-error-past = The appointment must be in the future.
office-cancel-booking = Cancel the appointment
office-cancel-message = Message to the patient
office-cancelled = The appointment is cancelled, and the patient has been told.
booking-cancelled-by-office = The GP's surgery has cancelled the appointment. Contact the surgery for a new appointment.

## Appointment enquiry
booking-mode-legend = How citizens book appointments
booking-mode-slots = Booking: citizens choose among free appointments online
booking-mode-enquiry = Enquiry: citizens send an enquiry, and the surgery sets up the appointment
enquiry-title = Appointment enquiry
enquiry-lead = Your GP's surgery sets up the appointment for you. Tell them when it suits you, and you will get an answer with the time.
enquiry-when-label = When does it suit you? (max 200 characters)
enquiry-when-hint = E.g. Tuesdays after 2 pm, or next week
enquiry-send = Send enquiry
enquiry-message-when = When it suits: { $when }
office-book-title = Set up an appointment
office-book-slot = Free appointment
office-book-message = Message to the patient (optional)
office-book-send = Set up the appointment and send
office-book-none = No free appointments in the next 14 days. Publish appointments under "Appointments on Helseportal".
office-book-taken = The appointment is no longer free. Choose another.

## Prescriptions
rx-title = Prescriptions
rx-tab-overview = Prescriptions
rx-tab-history = Prescription history
rx-overview-lead = Active prescriptions and dispensations in the last 12 months.
rx-history-lead = All prescriptions and dispensations three years back.
rx-none = No prescriptions to show.
rx-dosage = Dosage: { $dosage }
rx-prescriber = Prescribed by: { $name }
rx-prescribed = Prescribed: { $date }
rx-dispensed = Dispensed { $made } of { $allowed } times, { $left } left
rx-expires = Valid until: { $date }
rx-status-aktiv = Active
rx-status-fornyet = Renewed
rx-status-avsluttet = Ended
rx-expired = Expired
rx-pending = Renewal requested
rx-group = Prescription group { $group }
rx-dispensations = Dispensations
rx-no-dispensations = Not dispensed yet.
rx-dispensed-at = { $date }, { $pharmacy }
rx-print = Printer-friendly version
rx-print-title = Prescription overview
rx-print-for = Prescription overview for { $name }, made { $date }
rx-pdf = Download as PDF
rx-renew-link = Renew a prescription
renew-title = Renew a prescription
renew-lead = Choose the prescriptions you want your GP to renew. You get the answer in your inbox.
renew-not-offered = Your GP does not offer prescription renewal on Helseportal. Contact the surgery another way, for example by phone on { $phone }.
renew-choose = Prescriptions that can be renewed
renew-not-renewable = Cannot be renewed online
renew-why-controlled = Medicines in prescription groups A and B cannot be renewed online. You need a consultation with your doctor.
renew-why-not-active = The prescription has already been renewed or ended.
renew-why-pending = You have already asked for this prescription to be renewed.
renew-why-expired-long-ago = The prescription expired more than a year ago. Book an appointment with your doctor.
renew-message-label = Message to your doctor (optional, max 200 characters)
renew-message-hint = E.g. whether you have had side effects
renew-send = Send renewal request
renew-none-chosen = You must choose at least one prescription.
renew-nothing = You have no prescriptions that can be renewed online.
renew-body = Asks for renewal of:
renew-body-message = Message: { $message }
office-renew-title = Prescriptions to renew
office-renew-approve = Approve the renewal
office-renew-decline = Decline the renewal
office-renew-reason = Reason for the patient
office-renew-approved = The prescription has been renewed and is valid until { $date }.
front-rx-tile = Prescriptions
front-rx-tile-text = Prescriptions for medicines and equipment.

## Access
access-title = Who has seen your information
access-lead = Here you see when health personnel and staff at the GP's surgery have opened enquiries and attachments you sent through Helseportal.
access-none = Nobody has opened your information through Helseportal.
access-read-thread = opened the enquiry
access-read-attachment = opened an attachment in the enquiry
access-line = { $when }: { $name }, { $office }, { $what } "{ $subject }"
front-access-tile = Who has seen your information
front-access-tile-text = See who has opened your enquiries.

## Contact details and notifications
front-contact-tile = Contact details and notifications
front-contact-tile-text = Mobile number and e-mail address for notifications
front-contact-reconfirm = Are your contact details correct? Please check and confirm them.
contact-info-title = Contact details and notifications
contact-info-lead = You are notified by text message and/or e-mail when new messages and letters arrive in your inbox, and reminded of messages you have not read after 4 days.
contact-info-no-links = Notifications only say that something new has arrived. They never contain links or health information. Always log in yourself by typing the address in your browser or using the app.
contact-info-needs-consent = You only get notifications when you have consented to Basis+ or Full access.
contact-info-details-heading = Your details
contact-info-mobile = Mobile number
contact-info-mobile-hint = 8 digits. Write numbers from other countries with + and the country code.
contact-info-email = E-mail address
contact-info-email-hint = For example name@example.com
contact-info-in-use = In use until you have confirmed the new one: { $address }
contact-info-channels = How do you want to be notified?
contact-info-channel-sms = By text message
contact-info-channel-email = By e-mail
contact-info-language = Language of notifications
contact-info-save = Save
contact-info-saved = Your changes are saved.
contact-info-saved-codes = Your changes are saved. We have sent a code to confirm the new mobile number or e-mail address. The old one is used until you confirm.
contact-info-confirm-mobile = Confirm the mobile number
contact-info-confirm-email = Confirm the e-mail address
contact-info-code-sent-sms = We have sent a code by text message to { $address }. Enter the code to start using the number. The code is valid for { $duration }.
contact-info-code-sent-email = We have sent a code by e-mail to { $address }. Enter the code to start using the address. The code is valid for { $duration }.
contact-info-code = Code
contact-info-confirm-button = Confirm
contact-info-resend = Send a new code
contact-info-code-expired = The code has expired. Ask for a new code.
contact-info-mobile-confirmed = The mobile number is confirmed and in use.
contact-info-email-confirmed = The e-mail address is confirmed and in use.
contact-info-new-code-sent = We have sent a new code. It may take a minute before you can ask for another.
contact-info-reconfirm-heading = Are your contact details correct?
contact-info-reconfirm-text = You last confirmed your contact details on { $date }. Check that they are right, and confirm or change them.
contact-info-reconfirm-button = The details are correct
contact-info-reconfirmed = Thank you! Your contact details are confirmed.
contact-info-error-mobile = The mobile number must have 8 digits and begin with 4 or 9. Write numbers from other countries with + and the country code.
contact-info-error-email = Write the e-mail address like this: name@example.com
contact-info-error-email-too-long = The e-mail address can have at most 254 characters.
contact-info-error-sms-needs-mobile = Enter your mobile number to be notified by text message.
contact-info-error-email-needs-address = Enter your e-mail address to be notified by e-mail.
contact-info-error-language = Choose Norwegian or English.
contact-info-error-code-missing = Enter the code you received.
contact-info-error-code-format = The code has 6 digits.
contact-info-error-code-wrong = { $count ->
    [one] The code is wrong. You have one attempt left.
   *[other] The code is wrong. You have { $count } attempts left.
}
contact-info-error-code-attempts = You have entered a wrong code too many times. Ask for a new code.
contact-info-error-code-replaced = We have sent a newer code. Use the latest code you received.
contact-info-error-code-expired = The code has expired. Ask for a new code.
contact-info-error-code-wait = You can ask for a new code in { $duration }.
contact-info-error-code-day = You have received many codes in the last 24 hours. You can ask for a new code in { $duration }.
contact-info-error-code-sms-day = You have received many codes by text message in the last 24 hours. You can ask for a new code in { $duration }.
outbox-title = Outgoing notifications (development)
outbox-lead = The portal has no mail server or SMS service set up, so notifications are written to a folder instead of being sent. Here are the latest.
outbox-empty = No notifications yet.
