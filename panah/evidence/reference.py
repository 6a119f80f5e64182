"""Reference tables shared by the linker and the generators: name forms, provinces, cities,
ethnic groups (written for Panah, not taken from any dataset).

Neutral ground: the linker (panah.evidence.linkage, linking) reads provinces and ethnic groups
from here; the synthetic generator (panah.evidence.synthetic) and the independent benchmark
generator (panah.evidence.benchmark) draw names and places from here, each adding spelling
noise from its own rules. Nothing here imports either side.

Format of a name line: Persian|Latin|other Latin spellings (comma separated)|weight|tags.
The other spellings are the synthetic generator's; `name_forms` gives only the standard forms.
A "+" marks where sources split, hyphenate or join a compound (محمد+رضا, Hossein+zadeh).
Tags: M/F (given names), and the groups a name is typical of: P (any), B Baluch, K Kurd,
A Arab, T Turk/Azeri, L Lor, G Afghan.
"""

from __future__ import annotations

from typing import NamedTuple

GIVEN_NAMES = """
محمد|Mohammad|Mohamad,Muhammad,Mohammed,Mohamed|300|MP
علی|Ali||200|MP
حسین|Hossein|Hosein,Hussein,Hossain,Husain|120|MP
رضا|Reza||90|MP
مهدی|Mehdi|Mahdi|80|MP
حسن|Hassan|Hasan|70|MP
امیر|Amir||50|MP
سعید|Saeed|Saeid,Said,Saied|45|MP
مجید|Majid||40|MP
جواد|Javad|Jawad|35|MP
محسن|Mohsen|Muhsin|35|MP
احمد|Ahmad|Ahmed|40|MP
ابراهیم|Ebrahim|Ibrahim|30|MP
اسماعیل|Esmaeil|Esmail,Ismail,Esmaiel|25|MP
یوسف|Yousef|Yusuf,Yousof,Yusef|25|MP
عبدالله|Abdollah|Abdullah,Abdolah|25|MPB
کریم|Karim||20|MP
رحیم|Rahim||18|MP
مصطفی|Mostafa|Mustafa,Moustafa|30|MP
مرتضی|Morteza|Murtaza|25|MP
مجتبی|Mojtaba||20|MP
حمید|Hamid||25|MP
وحید|Vahid|Wahid|22|MP
سجاد|Sajjad|Sajad|20|MP
میلاد|Milad||18|MP
امید|Omid||18|MP
نوید|Navid||15|MP
بهروز|Behrouz|Behruz,Behrooz|12|MP
فرهاد|Farhad||15|MP
کامران|Kamran||10|MP
پرویز|Parviz||8|MP
داوود|Davoud|Davood,Dawood,Davud|20|MP
سلمان|Salman||10|MP
عباس|Abbas||25|MP
قاسم|Ghasem|Qasem,Ghassem|20|MP
جعفر|Jafar|Jaafar|18|MP
صادق|Sadegh|Sadeq|15|MP
باقر|Bagher|Baqer|10|MP
کاظم|Kazem|Kazim|15|MP
هادی|Hadi||15|MP
یاسر|Yaser|Yasser|12|MP
عمر|Omar||10|MBK
عثمان|Osman|Othman,Usman|8|MBK
عبدالرحمن|Abdolrahman|Abdulrahman,Abdorrahman|8|MBK
عبدالحمید|Abdolhamid|Abdulhamid|6|MBK
عبدالمجید|Abdolmajid|Abdulmajid|6|MB
عبدالباسط|Abdolbaset|Abdulbasit|5|MB
عبدالغنی|Abdolghani|Abdulghani|5|MB
نور+محمد|Nour Mohammad|Noor Mohammad,Nur Mohammad|5|MB
دین+محمد|Din Mohammad||4|MB
شیر+محمد|Shir Mohammad|Sher Mohammad|4|MB
گل+محمد|Gol Mohammad|Gul Mohammad|4|MB
جلال|Jalal||8|MP
جمال|Jamal||8|MP
کمال|Kamal||8|MP
بلال|Bilal|Belal|6|MB
ادریس|Edris|Idris|6|MBK
ایوب|Ayoub|Ayub,Ayyub|8|MP
یونس|Younes|Yunes,Yunus|8|MP
موسی|Mousa|Musa,Moosa|10|MP
عیسی|Eisa|Isa,Issa|6|MP
یحیی|Yahya||6|MP
زکریا|Zakaria|Zakariya|5|MBK
هاشم|Hashem|Hashim|6|MP
ناصر|Naser|Nasser|10|MP
منصور|Mansour|Mansur,Mansoor|10|MP
خلیل|Khalil||8|MP
جلیل|Jalil||6|MP
نادر|Nader||6|MP
اکبر|Akbar||10|MP
اصغر|Asghar||10|MP
محمد+رضا|Mohammad Reza|Mohamad Reza|40|MP
علی+رضا|Ali Reza||35|MP
غلام+رضا|Gholam Reza|Qolam Reza|15|MP
غلام+حسین|Gholam Hossein|Gholam Hosein|8|MP
محمد+علی|Mohammad Ali||15|MP
محمد+حسین|Mohammad Hossein||15|MP
امیر+حسین|Amir Hossein|Amir Hosein|15|MP
امیر+علی|Amir Ali||6|MP
محمد+جواد|Mohammad Javad||10|MP
محمد+مهدی|Mohammad Mehdi|Mohammad Mahdi|10|MP
محمد+امین|Mohammad Amin||10|MP
محمد+صادق|Mohammad Sadegh||5|MP
حمید+رضا|Hamid Reza||12|MP
علی+اکبر|Ali Akbar||8|MP
علی+اصغر|Ali Asghar||8|MP
ابوالفضل|Abolfazl|Abulfazl|20|MP
روح+الله|Rouhollah|Ruhollah,Roohollah|8|MP
نعمت+الله|Nematollah|Nematolah|5|MP
حبیب+الله|Habibollah|Habibolah|5|MP
فتح+الله|Fathollah||4|MP
ولی+الله|Valiollah|Valiolah|4|MP
اسدالله|Asadollah||4|MP
سیف+الله|Seifollah|Seyfollah|3|MP
خدا+بخش|Khoda Bakhsh|Khodabaksh|5|MB
داد+خدا|Dad Khoda||3|MB
مولاداد|Mouladad|Moladad|3|MB
شهاب|Shahab||6|MP
بهنام|Behnam||8|MP
بهزاد|Behzad||8|MP
پیمان|Peyman|Payman|8|MP
پویا|Pouya|Puya,Pooya|6|MP
آرش|Arash||8|MP
بابک|Babak||6|MP
کیوان|Keyvan|Kayvan|5|MP
سیاوش|Siavash|Siavosh,Siyavash|6|MP
سامان|Saman||6|MP
شاهین|Shahin||5|MP
رامین|Ramin||6|MP
نیما|Nima||5|MP
ایمان|Iman||8|MP
احسان|Ehsan||10|MP
عرفان|Erfan||8|MP
فرشاد|Farshad||6|MP
فرزاد|Farzad||6|MP
فریدون|Fereydoun|Fereidoun,Freydoun|4|MP
منوچهر|Manouchehr|Manuchehr|3|MP
اسکندر|Eskandar|Iskandar|3|MP
رسول|Rasoul|Rasool,Rasul|12|MP
اسحاق|Eshagh|Eshaq,Ishaq|5|MP
هوشنگ|Houshang|Hushang,Hooshang|3|MP
کورش|Kourosh|Kurosh,Koorosh|4|MP
شیرکو|Shirko|Shirkou|4|MK
ژیار|Zhiar|Zhyar|3|MK
آزاد|Azad||5|MK
زانیار|Zaniar|Zanyar|4|MK
لقمان|Loghman|Luqman,Loqman|6|MK
سیروان|Sirvan|Sirwan|4|MK
کاوه|Kaveh|Kaveh|5|MP
هژیر|Hazhir||3|MK
شورش|Shoresh||3|MK
دیاکو|Diako||3|MK
آرمان|Arman||6|MP
عادل|Adel||6|MP
فواد|Foad|Fuad|4|MK
سامی|Sami||3|MA
حمزه|Hamzeh|Hamza|6|MP
طاهر|Taher|Tahir|6|MP
ماجد|Majed||4|MA
جاسم|Jasem|Jassim|5|MA
ناجی|Naji||3|MA
عبدالکریم|Abdolkarim|Abdulkarim|5|MB
عبدالعزیز|Abdolaziz|Abdulaziz|4|MBK
حیدر|Heidar|Haidar,Heydar|6|MP
صالح|Saleh||6|MP
سلیمان|Soleiman|Suleiman,Soleyman|6|MP
نبی|Nabi||4|MP
یعقوب|Yaghoub|Yaqub,Yaghoob|6|MP
بهمن|Bahman||6|MP
مسعود|Masoud|Masood,Masud|15|MP
محمود|Mahmoud|Mahmood,Mahmud|20|MP
حامد|Hamed||10|MP
سینا|Sina||5|MP
ایرج|Iraj||4|MP
قربان|Ghorban|Qorban|5|MP
نصرالله|Nasrollah||4|MP
شهرام|Shahram||5|MP
کیومرث|Kiumars|Kioumars,Kiomars|3|MP
مهرداد|Mehrdad||5|MP
جهانگیر|Jahangir||4|MP
ذبیح+الله|Zabihollah|Zabiullah|4|MG
گل+آقا|Gol Agha|Gul Agha|3|MG
زهرا|Zahra||15|FP
فاطمه|Fatemeh|Fatima,Fatemah|15|FP
مریم|Maryam|Mariam|8|FP
زینب|Zeinab|Zainab,Zaynab|6|FP
معصومه|Masoumeh|Masoomeh|5|FP
سمیرا|Samira||4|FP
لیلا|Leila|Layla,Leyla|5|FP
سکینه|Sakineh||4|FP
شهلا|Shahla||3|FP
ریحانه|Reyhaneh|Reihaneh,Rayhaneh|3|FP
نرگس|Narges||3|FP
مهناز|Mahnaz||3|FP
طاهره|Tahereh||3|FP
خدیجه|Khadijeh|Khadija|4|FP
کبری|Kobra||3|FP
صغری|Soghra||3|FP
ملیحه|Maliheh||3|FP
سمیه|Somayeh|Somaye|4|FP
پروین|Parvin||3|FP
شیرین|Shirin||3|FP
نسرین|Nasrin||3|FP
عاطفه|Atefeh||3|FP
منیژه|Manijeh||2|FP
گلاله|Galaleh||2|FK
ژینا|Zhina|Jina|2|FK
مهسا|Mahsa||3|FP
"""

SURNAMES = """
حسینی|Hosseini|Hoseini,Husseini,Hosseyni,Hoseyni|60|P
محمدی|Mohammadi|Mohamadi,Muhammadi|45|PK
رضایی|Rezaei|Rezaee,Rezai,Rezayi|35|P
احمدی|Ahmadi||35|PK
موسوی|Mousavi|Musavi,Moosavi|30|P
کریمی|Karimi||28|PK
رحیمی|Rahimi||22|PKG
جعفری|Jafari|Jaafari|22|P
قاسمی|Ghasemi|Qasemi|20|P
حیدری|Heidari|Heydari,Haidari|20|PK
صادقی|Sadeghi|Sadeqi|20|P
نوری|Nouri|Nuri,Noori|18|P
اکبری|Akbari||15|P
عباسی|Abbasi||18|P
علی+زاده|Ali+zadeh||18|PT
حسین+زاده|Hossein+zadeh|Hosein+zadeh|12|PT
کاظمی|Kazemi||15|P
یوسفی|Yousefi|Yusefi|15|P
مرادی|Moradi||18|PKL
امیری|Amiri||15|P
ابراهیمی|Ebrahimi|Ibrahimi|15|P
زارعی|Zarei|Zareei|12|P
باقری|Bagheri|Baqeri|12|P
سلطانی|Soltani||12|P
کرمی|Karami||10|PL
رستمی|Rostami||12|PKL
نجفی|Najafi||10|P
شریفی|Sharifi||10|PK
طاهری|Taheri||10|P
هاشمی|Hashemi||10|PG
کامرانی|Kamrani||5|P
نظری|Nazari||10|P
عزیزی|Azizi||12|PK
قربانی|Ghorbani|Qorbani|12|P
اسدی|Asadi||10|P
جمالی|Jamali||8|P
خسروی|Khosravi||8|P
ملکی|Maleki||8|P
فرهادی|Farhadi||8|P
رحمانی|Rahmani||8|PK
صالحی|Salehi||8|P
بهرامی|Bahrami||8|PK
نصیری|Nasiri||6|P
سعیدی|Saeedi|Saeidi|8|P
میرزایی|Mirzaei|Mirzaee|8|P
پور+محمدی|Pour+mohammadi||5|P
علی+پور|Ali+pour||6|P
حسن+پور|Hassan+pour|Hasan+pour|6|P
رضا+پور|Reza+pour||4|P
قلی+پور|Gholi+pour||4|PT
محمد+نژاد|Mohammad+nejad||3|P
ابراهیم+زاده|Ebrahim+zadeh||4|PT
رحیم+زاده|Rahim+zadeh||4|PT
حسن+زاده|Hassan+zadeh|Hasan+zadeh|5|PKT
تقی+زاده|Taghi+zadeh|Taqi+zadeh|4|PT
کریم+زاده|Karim+zadeh||3|PT
جعفر+زاده|Jafar+zadeh||3|PT
صفری|Safari||8|P
اصغری|Asghari||6|P
منصوری|Mansouri|Mansuri|6|P
محمودی|Mahmoudi|Mahmudi|10|PK
مسعودی|Masoudi||5|P
داوودی|Davoudi|Davoodi|6|P
یزدانی|Yazdani||5|P
کرمانی|Kermani||4|P
شیرازی|Shirazi||4|P
تهرانی|Tehrani||4|P
اصفهانی|Esfahani|Isfahani|3|P
خراسانی|Khorasani||3|P
قزوینی|Ghazvini|Qazvini|3|P
افشار|Afshar||3|PT
نادری|Naderi||5|P
فتحی|Fathi||4|P
بابایی|Babaei|Babaee,Babai|6|P
خانی|Khani||4|P
دهقان|Dehghan|Dehqan|5|P
دهقانی|Dehghani|Dehqani|5|P
کشاورز|Keshavarz||5|P
آهنگر|Ahangar||3|P
نجار|Najjar|Najar|3|P
زمانی|Zamani||6|P
ولی+زاده|Vali+zadeh||3|PT
شاکری|Shakeri||5|P
قادری|Ghaderi|Qaderi|5|PK
سلیمانی|Soleimani|Soleymani,Suleimani|8|P
بیگی|Beigi|Baigi|4|P
رحمتی|Rahmati||4|P
عسگری|Asgari|Askari|6|P
فلاحی|Fallahi|Falahi|4|P
کاظم+پور|Kazem+pour||3|P
جوادی|Javadi||6|P
مهدوی|Mahdavi||5|P
رضوی|Razavi||5|P
طباطبایی|Tabatabaei|Tabatabai|3|P
حسنی|Hassani|Hasani|6|PK
نیکخواه|Nikkhah|Nikkhah|3|P
امینی|Amini||8|PK
ایزدی|Izadi||4|P
توکلی|Tavakoli|Tavakkoli|5|P
جلالی|Jalali||5|P
اسماعیلی|Esmaeili|Esmaili,Ismaili|8|P
یعقوبی|Yaghoubi|Yaqubi|5|P
موسی+زاده|Mousa+zadeh||3|PT
شهبازی|Shahbazi||4|P
صفایی|Safaei|Safaee|4|P
روحانی|Rouhani|Rohani|3|P
کاویانی|Kaviani||3|P
فرجی|Faraji||5|P
میری|Miri||4|P
بهمنی|Bahmani||4|P
غفاری|Ghaffari|Ghafari|5|P
ایرانی|Irani||3|P
رنجبر|Ranjbar||5|P
کوهی|Kouhi|Koohi|3|P
حاتمی|Hatami||4|P
طالبی|Talebi||4|P
عابدی|Abedi||4|P
عرب|Arab||3|PA
فروغی|Foroughi||3|P
آقایی|Aghaei|Aghaee,Aghai|5|P
خلیلی|Khalili||5|P
سبحانی|Sobhani||3|P
افشاری|Afshari||4|PT
نوروزی|Nowruzi|Norouzi,Nowrouzi|6|P
شجاعی|Shojaei|Shojaee|4|P
سلامی|Salami||3|P
پناهی|Panahi||5|PK
جهانگیری|Jahangiri||3|P
خدادادی|Khodadadi||4|P
اسکندری|Eskandari||4|P
کیانی|Kiani||4|P
ناصری|Naseri||5|P
وکیلی|Vakili||3|P
ستاری|Sattari|Satari|3|P
عبدی|Abdi||5|PK
انصاری|Ansari||5|PG
بختیاری|Bakhtiari|Bakhtiyari|4|PL
بهادری|Bahadori||3|P
دارابی|Darabi||3|P
عبادی|Ebadi||3|P
فراهانی|Farahani||3|P
حجازی|Hejazi||3|P
جهانی|Jahani||3|P
کاشانی|Kashani||3|P
لطیفی|Latifi||3|P
امیدی|Omidi||4|P
پارسا|Parsa||3|P
قنبری|Ghanbari|Qanbari|5|P
رهنما|Rahnama||2|P
صدری|Sadri||2|P
توسلی|Tavassoli|Tavasoli|3|P
وزیری|Vaziri||3|P
یزدی|Yazdi||3|P
مختاری|Mokhtari||4|P
نیک+نام|Nik+nam||2|P
قربان+پور|Ghorban+pour||3|P
حیدر+پور|Heidar+pour||3|P
رمضانی|Ramezani|Ramazani|6|P
رجبی|Rajabi||6|P
شعبانی|Shabani||5|P
محرمی|Moharrami|Moharami|3|P
صفر+زاده|Safar+zadeh||2|PT
عطایی|Ataei|Ataee|3|P
فاضلی|Fazeli||4|P
مرتضوی|Mortazavi||4|P
مظفری|Mozaffari|Mozafari|3|P
ناظری|Nazeri||2|P
نیازی|Niazi||4|PG
هاشم+زاده|Hashem+zadeh||2|PT
خادمی|Khademi||4|P
خدایی|Khodaei|Khodaee|3|P
درویشی|Darvishi||5|PK
سبزی|Sabzi||2|P
شاهی|Shahi||3|P
شفیعی|Shafiei|Shafiee|4|P
غلامی|Gholami|Qolami|7|P
فرخی|Farrokhi|Farokhi|3|P
قاسم+زاده|Ghasem+zadeh||2|PT
کمالی|Kamali||4|P
گودرزی|Goudarzi|Gudarzi|5|PL
نعمتی|Nemati||4|P
هدایتی|Hedayati||3|P
یاری|Yari||4|PL
آزادی|Azadi||3|P
آقاجانی|Aghajani||3|P
اکبر+زاده|Akbar+zadeh||3|PT
بیات|Bayat||4|PT
پاشایی|Pashaei|Pashaee|3|PT
ترابی|Torabi||4|P
جلیلی|Jalili||4|P
چراغی|Cheraghi||4|P
حقیقی|Haghighi|Haqiqi|4|P
ذوالفقاری|Zolfaghari|Zolfaqari|3|P
رفیعی|Rafiei|Rafiee|3|P
زینلی|Zeinali|Zeynali|4|PT
سیفی|Seifi||3|P
شکری|Shokri||3|P
صبوری|Sabouri|Saburi|3|P
لشکری|Lashkari||3|P
مشهدی|Mashhadi||3|P
گلی|Goli||3|P
بیرانوند|Beiranvand|Biranvand|5|L
سپهوند|Sepahvand||3|L
دالوند|Dalvand||3|L
ملکشاهی|Malekshahi||3|L
حسنوند|Hasanvand|Hassanvand|3|L
قلاوند|Ghalavand||3|L
میرزاوند|Mirzavand||2|L
قلی+زاده|Gholi+zadeh|Qoli+zadeh|4|T
الله+وردی|Allah+verdi|Allahverdi|3|T
آقا+زاده|Agha+zadeh||3|T
باقر+زاده|Bagher+zadeh||3|T
قهرمانی|Ghahremani|Qahremani|3|T
بایرامی|Bayrami||3|T
ترکمنی|Torkamani||2|T
ریگی|Rigi|Reegi|25|B
شه+بخش|Shah+bakhsh|Shahbaksh|15|B
نارویی|Narouei|Naroui,Narooei,Narui|12|B
بلوچ|Baluch|Baloch,Balouch|10|B
براهویی|Brahouei|Brahui,Barahouei|8|B
گمشادزهی|Gamshadzehi||6|B
رئیسی|Raeisi|Raisi,Raeesi|10|B
دهواری|Dehvari|Dehwari|8|B
سارانی|Sarani||8|B
میربلوچ+زهی|Mirbaluch+zehi|Mirbalouchzehi|4|B
شهنوازی|Shahnavazi||5|B
بامری|Bameri||6|B
شهلی+بر|Shahli+bor||3|B
جهانتیغ|Jahantigh||5|B
سرگلزایی|Sargolzaei|Sargolzaee|4|B
کهرازهی|Kahrazehi||4|B
اربابی|Arbabi||4|B
پودینه|Poudineh|Pudineh|4|B
شیرانی|Shirani||3|B
لکزایی|Lakzaei|Lakzaee|5|B
میرشکار|Mirshekar||4|B
ملازهی|Mollazehi|Molazehi|4|B
سپاهی|Sepahi||3|B
شاهوزهی|Shahouzehi|Shahozehi|4|B
بزرگ+زاده|Bozorg+zadeh||3|B
مبارکی|Mobaraki||3|B
دهمرده|Dahmardeh||5|B
نهتانی|Nohtani|Nahtani|3|B
گرگیج|Gorgij||3|B
حسین+بر|Hossein+bor||4|B
نخعی|Nakhaei|Nakhaee|3|B
پیری|Piri||3|B
بارانزهی|Baranzehi||3|B
کیخا|Kikha||4|B
سنچولی|Sancholi||3|B
شیخی|Sheikhi|Sheykhi|3|B
قنبرزهی|Ghanbarzehi|Qanbarzehi|3|B
مرادزهی|Moradzehi||3|B
اسماعیل+زهی|Esmail+zehi|Ismail+zehi|3|B
عیدوزهی|Eidouzehi|Eiduzehi|3|B
شهرکی|Shahraki||4|B
سنجرانی|Sanjarani||2|B
یارمحمدزهی|Yarmohammadzehi||2|B
کردی|Kordi|Kurdi|8|K
زندی|Zandi||5|K
ویسی|Veisi|Weisi,Waisi|5|K
خضری|Khezri||4|K
شیخ+الاسلامی|Sheikh+oleslami|Sheikholislami|3|K
پیرانی|Pirani||2|K
باباخانی|Babakhani||3|K
فتاحی|Fattahi|Fatahi|4|K
مصطفایی|Mostafaei|Mostafaee|3|K
سلیمی|Salimi||4|K
اردلان|Ardalan||3|K
محمد+پور|Mohammad+pour||4|K
رسولی|Rasouli|Rasuli|4|K
یزدان+پناه|Yazdan+panah||3|K
مولودی|Moloudi|Mouloudi|3|K
خالدی|Khaledi||3|KA
کاکایی|Kakaei|Kakaee|3|K
شهابی|Shahabi||3|K
رشیدی|Rashidi||4|K
عبدالهی|Abdollahi|Abdolahi|6|K
لطفی|Lotfi||4|K
هورامی|Hourami|Hawrami|3|K
بیگ+زاده|Beig+zadeh||3|K
مکری|Mokri||3|K
نقشبندی|Naghshbandi|Naqshbandi|3|K
ابوبکری|Abubakri|Aboubakri|3|K
بابامیری|Babamiri||3|K
کعبی|Kaabi|Kabi|5|A
ساعدی|Saedi|Saeedi|4|A
عساکره|Asakereh||3|A
سواری|Savari|Sawari|4|A
عبیات|Abiat|Obeyat|3|A
نیسی|Neisi|Nisi|3|A
طرفی|Torfi|Tarfi|3|A
عفراوی|Afravi|Afrawi|3|A
بنی+سعید|Bani+saeid|Bani Saeed|3|A
ماجدی|Majedi||2|A
حمادی|Hamadi|Hammadi|2|A
عموری|Amouri|Amuri|3|A
سیلاوی|Silavi|Silawi|2|A
چنانی|Chenani||2|A
حیدری|Heidari||2|A
احمدزی|Ahmadzai|Ahmadzay|3|G
هزاره|Hazareh|Hazara|2|G
کابلی|Kaboli|Kabuli|2|G
هراتی|Herati||2|G
"""

# Provinces: code, English name, Persian name, other spellings (comma separated).
PROVINCES = """
sb|Sistan and Baluchestan|سیستان و بلوچستان|Sistan-Baluchestan,Sistan & Baluchistan,Sistan and Baluchistan
ku|Kurdistan|کردستان|Kordestan
ks|Kermanshah|کرمانشاه|
wa|West Azerbaijan|آذربایجان غربی|West Azarbaijan,Azerbaijan-e Gharbi
ea|East Azerbaijan|آذربایجان شرقی|East Azarbaijan
ar|Ardabil|اردبیل|
kz|Khuzestan|خوزستان|
lo|Lorestan|لرستان|Luristan
te|Tehran|تهران|
al|Alborz|البرز|
is|Isfahan|اصفهان|Esfahan
fa|Fars|فارس|
kr|Razavi Khorasan|خراسان رضوی|Khorasan Razavi,Khorasan-e Razavi
ke|Kerman|کرمان|
ya|Yazd|یزد|
qo|Qom|قم|Ghom
ma|Markazi|مرکزی|
ha|Hamadan|همدان|Hamedan
qa|Qazvin|قزوین|Ghazvin
se|Semnan|سمنان|
go|Golestan|گلستان|
mz|Mazandaran|مازندران|
gi|Gilan|گیلان|Guilan
ho|Hormozgan|هرمزگان|
za|Zanjan|زنجان|
bu|Bushehr|بوشهر|Bushehr
il|Ilam|ایلام|
ks2|South Khorasan|خراسان جنوبی|Khorasan-e Jonubi
kn|North Khorasan|خراسان شمالی|Khorasan-e Shomali
cb|Chaharmahal and Bakhtiari|چهارمحال و بختیاری|Chaharmahal-Bakhtiari
kb|Kohgiluyeh and Boyer-Ahmad|کهگیلویه و بویراحمد|Kohgiluyeh-Boyerahmad
"""

# Cities: province code, English, Persian, other spellings, prison (English|Persian).
CITIES = """
sb|Zahedan|زاهدان||Zahedan Central Prison|زندان مرکزی زاهدان
sb|Iranshahr|ایرانشهر|Iranshar|Iranshahr Prison|زندان ایرانشهر
sb|Chabahar|چابهار|Chahbahar|Chabahar Prison|زندان چابهار
sb|Khash|خاش||Khash Prison|زندان خاش
sb|Zabol|زابل||Zabol Prison|زندان زابل
ku|Sanandaj|سنندج||Sanandaj Central Prison|زندان مرکزی سنندج
ku|Saqqez|سقز|Saqez|Saqqez Prison|زندان سقز
ks|Kermanshah|کرمانشاه||Dizelabad Prison|زندان دیزل‌آباد
wa|Urmia|ارومیه|Orumiyeh,Oroumieh|Urmia Central Prison|زندان مرکزی ارومیه
wa|Mahabad|مهاباد||Mahabad Prison|زندان مهاباد
wa|Salmas|سلماس||Salmas Prison|زندان سلماس
wa|Naqadeh|نقده|Naghadeh|Naqadeh Prison|زندان نقده
ea|Tabriz|تبریز||Tabriz Central Prison|زندان مرکزی تبریز
ar|Ardabil|اردبیل||Ardabil Prison|زندان اردبیل
kz|Ahvaz|اهواز|Ahwaz|Sepidar Prison|زندان سپیدار
kz|Dezful|دزفول||Dezful Prison|زندان دزفول
kz|Shushtar|شوشتر||Shushtar Prison|زندان شوشتر
lo|Khorramabad|خرم‌آباد|Khoramabad|Parsilon Prison|زندان پارسیلون
lo|Borujerd|بروجرد|Boroujerd|Borujerd Prison|زندان بروجرد
te|Tehran|تهران||Evin Prison|زندان اوین
al|Karaj|کرج||Ghezel Hesar Prison|زندان قزل‌حصار
is|Isfahan|اصفهان|Esfahan|Dastgerd Prison|زندان دستگرد
fa|Shiraz|شیراز||Adelabad Prison|زندان عادل‌آباد
kr|Mashhad|مشهد|Mashad|Vakilabad Prison|زندان وکیل‌آباد
kr|Neyshabur|نیشابور|Nishapur|Neyshabur Prison|زندان نیشابور
ke|Kerman|کرمان||Kerman Central Prison|زندان مرکزی کرمان
ke|Rafsanjan|رفسنجان||Rafsanjan Prison|زندان رفسنجان
ya|Yazd|یزد||Yazd Central Prison|زندان مرکزی یزد
qo|Qom|قم|Ghom|Qom Central Prison|زندان مرکزی قم
ma|Arak|اراک||Arak Central Prison|زندان مرکزی اراک
ha|Hamadan|همدان|Hamedan|Hamadan Central Prison|زندان مرکزی همدان
qa|Qazvin|قزوین|Ghazvin|Qazvin Central Prison|زندان مرکزی قزوین
se|Semnan|سمنان||Semnan Central Prison|زندان مرکزی سمنان
go|Gorgan|گرگان||Gorgan Prison|زندان گرگان
mz|Sari|ساری||Sari Central Prison|زندان مرکزی ساری
gi|Rasht|رشت||Lakan Prison|زندان لاکان
ho|Bandar Abbas|بندرعباس|Bandar-Abbas|Bandar Abbas Prison|زندان بندرعباس
za|Zanjan|زنجان||Zanjan Prison|زندان زنجان
bu|Bushehr|بوشهر||Bushehr Prison|زندان بوشهر
il|Ilam|ایلام||Ilam Prison|زندان ایلام
ks2|Birjand|بیرجند||Birjand Prison|زندان بیرجند
kn|Bojnurd|بجنورد|Bojnourd|Bojnurd Prison|زندان بجنورد
cb|Shahrekord|شهرکرد||Shahrekord Prison|زندان شهرکرد
kb|Yasuj|یاسوج|Yasouj|Yasuj Prison|زندان یاسوج
"""

ETHNICITIES = {
    # code: (English, Persian, share of victims, surname/given tag)
    "persian": ("Persian", "فارس", 0.38, "P"),
    "baluch": ("Baluch", "بلوچ", 0.20, "B"),
    "kurd": ("Kurd", "کرد", 0.13, "K"),
    "turk": ("Turk", "ترک", 0.08, "T"),
    "lor": ("Lor", "لر", 0.10, "L"),
    "arab": ("Arab", "عرب", 0.06, "A"),
    "afghan": ("Afghan", "افغان", 0.05, "G"),
}


class NameForm(NamedTuple):
    """A name in Persian script and its standard Latin form (a "+" marks a compound's joint)."""

    persian: str
    latin: str
    weight: int
    tags: str


def name_forms(block: str) -> list[NameForm]:
    """The standard forms of GIVEN_NAMES or SURNAMES (without any generator's spellings)."""
    out = []
    for line in block.strip().splitlines():
        persian, latin, _others, weight, tags = line.split("|")
        out.append(NameForm(persian, latin, int(weight), tags))
    return out


class Province(NamedTuple):
    """A province: its code, English and Persian names, and the spellings the linker knows."""

    code: str
    english: str
    persian: str
    spellings: tuple[str, ...]


def provinces() -> list[Province]:
    """The 31 provinces."""
    out = []
    for line in PROVINCES.strip().splitlines():
        code, english, persian, others = line.split("|")
        out.append(Province(code, english, persian, tuple(o for o in others.split(",") if o)))
    return out
