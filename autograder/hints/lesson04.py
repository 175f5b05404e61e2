"""Lesson 04's hints: the likely bugs of a threaded TCP multi-user chat and its client.

Each names the bug in words a student can act on and the anchor of its section in
docs/common-bugs.md. Checks pick the hint that fits what they saw.
"""

from autograder.hints.common import NOT_UTF8, ChatHints, DeliveryHints
from autograder.i18n import Text
from autograder.verdicts import Hint

NO_JOIN_NOTICE = Hint(
    Text(
        "Когда сервер прочитал имя нового клиента, он должен разослать остальным "
        "уведомление, в котором есть это имя (например, «bob присоединился к чату»).",
        "When the server has read a newcomer's nickname it must send the others a notice "
        "that contains it (e.g. 'bob joined the chat').",
    ),
    "join-leave-notices",
)
NO_BROADCAST = Hint(
    Text(
        "Каждую принятую строку нужно отправить всем остальным клиентам из общего списка "
        "(под блокировкой берите копию списка, отправляйте уже без неё).",
        "Every line received must be sent to all other clients in the shared list (take a "
        "copy of the list under the lock, send after releasing it).",
    ),
    "broadcast",
)
NOTHING_TO_OTHERS = Hint(
    Text(
        "Этому участнику за всю проверку не пришло вообще ничего: сервер не отправляет "
        "другим клиентам (нет рассылки, или она уходит обратно автору).",
        "This user received nothing at all during the whole check: the server sends "
        "nothing to the other clients (no broadcast, or it goes back to the sender).",
    ),
    "broadcast",
)
NO_SENDER_NAME = Hint(
    Text(
        'Текст дошёл, но без имени автора: отправляйте f"{name}: {text}".',
        'The text arrived without the sender\'s name: send f"{name}: {text}".',
    ),
    "broadcast",
)
ECHO_ONLY = Hint(
    Text(
        "Сообщение вернулось только автору: вы отправляете в conn текущего клиента, а "
        "нужно — всем остальным из списка клиентов.",
        "The message came back to its sender only: you send to the current client's conn "
        "instead of every other client in the list.",
    ),
    "broadcast",
)
NO_LEAVE_NOTICE = Hint(
    Text(
        "recv() вернул b'' — значит клиент закрыл соединение. Уберите его из списка и "
        "разошлите остальным уведомление с его именем.",
        "recv() returning b'' means the client closed the connection. Remove it from the "
        "list and tell the others, with its name.",
    ),
    "join-leave-notices",
)
EMPTY_RECV_FLOOD = Hint(
    Text(
        "После закрытия соединения recv() возвращает b'' снова и снова; если цикл не "
        "останавливается, сервер рассылает пустые сообщения без конца. При b'' — break.",
        "After the peer closes, recv() returns b'' again and again; a loop that does not "
        "stop on it floods everyone with empty messages. On b'' — break.",
    ),
    "empty-recv",
)
NAME_IN_ACCEPT_LOOP = Hint(
    Text(
        "Имя читается в цикле accept(): пока одно соединение молчит, никто другой не "
        "может войти. Читайте имя в потоке клиента.",
        "The nickname is read in the accept() loop: while one connection stays silent, "
        "nobody else can join. Read the nickname in the client's thread.",
    ),
    "thread-per-client",
)
LOST_MESSAGES = Hint(
    Text(
        "Часть сообщений потерялась: общий список клиентов меняется из разных потоков "
        "без блокировки, или несколько строк из одного recv() считаются одной.",
        "Some messages were lost: the shared client list is changed from several threads "
        "without a lock, or several lines from one recv() are taken as one.",
    ),
    "shared-state",
)
RECV_IS_NOT_A_MESSAGE = Hint(
    Text(
        "Один recv() принят за одно сообщение. TCP — поток байтов: за один recv() может "
        'прийти полстроки или три строки. Накапливайте байты и делите их по "\\n".',
        "One recv() is taken as one message. TCP is a byte stream: one recv() may return "
        'half a line or three lines. Accumulate bytes and split them on "\\n".',
    ),
    "recv-is-not-a-message",
)
SLOW_CONSUMER = Hint(
    Text(
        "sendall() клиенту, который не читает, ждёт, как только его буферы полны; "
        "вызванный из потока отправителя или под общим замком, он останавливает всех. "
        "Отправитель не должен ждать получателя: у каждого клиента ограниченная очередь "
        "и свой поток-писатель, рассылка кладёт строку через put_nowait(), а того, чья "
        "очередь полна (queue.Full), отключайте.",
        "sendall() to a client that does not read waits once its buffers are full; "
        "called from the sender's thread or under the shared lock, it stalls everyone. "
        "The sender must not wait for a receiver: give each client a bounded queue and "
        "its own writer thread, broadcast with put_nowait(), and drop a client whose "
        "queue is full (queue.Full).",
    ),
    "slow-consumer",
)
SLOW_CONSUMER_LIMIT = Hint(
    Text(
        "Очередь исходящих переполнилась у клиента, который читает: один быстрый "
        "отправитель обгоняет отправку. Оставьте в очереди запас на всплеск (например, "
        "1000 строк или 1–4 МБ) — но не ждите места в ней: ожидание держит отправителя.",
        "The outbox overflowed for a client that does read: one fast sender outruns the "
        "sending. Leave the queue room for a burst (say 1000 lines or 1-4 MB), but do "
        "not wait for room in it: waiting holds the sender up.",
    ),
    "slow-consumer",
)
MANY_CLIENTS = Hint(
    Text(
        "С 50 клиентами сервер не справился: маленький backlog в listen(), ограничение "
        "на число клиентов или гонка в общем списке без блокировки.",
        "The server could not cope with 50 clients: a small listen() backlog, a cap on "
        "clients, or a race on the shared list without a lock.",
    ),
    "shared-state",
)
BAD_INPUT = Hint(
    Text(
        "Один клиент со странными данными не должен ломать сервер: decode(errors="
        '"replace"), ограничение длины строки, пустые строки пропускать, а исключения '
        "в потоке клиента ловить.",
        "One client sending odd data must not break the server: decode(errors="
        '"replace"), a line-length limit, skip empty lines, catch exceptions in the '
        "client's thread.",
    ),
    "bad-input",
)
CLIENT_NO_NAME = Hint(
    Text(
        "Клиент должен первым делом отправить имя, набранное пользователем, одной строкой.",
        "The client must first send the nickname the user typed, as one line.",
    ),
    "client",
)
CLIENT_NO_SEND = Hint(
    Text(
        "Каждую строку, прочитанную через input(), клиент отправляет серверу (sendall, "
        'с "\\n" в конце).',
        'Every line read with input() goes to the server (sendall, ending in "\\n").',
    ),
    "client",
)
CLIENT_NO_RECEIVER = Hint(
    Text(
        "Пока main ждёт input(), печатать входящие может только отдельный поток: "
        "запустите threading.Thread с циклом recv() → print(..., flush=True).",
        "While main waits in input(), only another thread can print incoming messages: "
        "start a threading.Thread looping recv() → print(..., flush=True).",
    ),
    "client-receiving-thread",
)
CLIENT_NO_EXIT = Hint(
    Text(
        "По слову exit клиент закрывает сокет и завершается; поток приёма сделайте "
        "daemon=True, чтобы он не держал процесс.",
        "On 'exit' the client closes its socket and ends; make the receiving thread "
        "daemon=True so it does not keep the process alive.",
    ),
    "client-receiving-thread",
)
STRIP_NICKNAME = Hint(
    Text(
        "Имя хранится вместе с переводом строки, с которым его прислал клиент "
        '("bob\\n"), и у остальных имя и текст оказываются на разных строках. Ваш '
        "клиент шлёт имя без \\n, поэтому у вас всё выглядит верно, а клиент курса "
        "(и любой, кто заканчивает строку) — нет. Обрежьте имя: name = "
        "conn.recv(1024).decode().strip(), а лучше читайте первую строку так же, как "
        "сообщения (по \\n).",
        'The nickname is kept with the line ending the client sent it with ("bob\\n"), '
        "so the others see the name and the text on two lines. Your own client sends the "
        "name without \\n, so it looks right to you, but not with the course's client (or "
        "any client that ends its lines). Strip it: name = conn.recv(1024).decode().strip(), "
        "or better read the first line the way you read messages (split on \\n).",
    ),
    "strip-nickname",
)
# The same, for a submission with no client of its own (tested with nc or telnet, which
# end the line too): nothing to say about "your own client".
STRIP_NICKNAME_NO_CLIENT = Hint(
    Text(
        "Имя хранится вместе с переводом строки, с которым его прислал клиент "
        '("bob\\n"), и у остальных имя и текст оказываются на разных строках. Обрежьте '
        "имя: name = conn.recv(1024).decode().strip(), а лучше читайте первую строку так "
        "же, как сообщения (по \\n).",
        'The nickname is kept with the line ending the client sent it with ("bob\\n"), '
        "so the others see the name and the text on two lines. Strip it: name = "
        "conn.recv(1024).decode().strip(), or better read the first line the way you read "
        "messages (split on \\n).",
    ),
    "strip-nickname",
)
EMPTY_RECV_SPIN = Hint(
    Text(
        "Клиент закрыл соединение, а цикл сервера не остановился: recv() снова и снова "
        "возвращает b'', поток крутится вхолостую (сервер ест 100% процессора) и "
        "уведомление о выходе не отправляется. Проверяйте: if not data: break — и "
        "прощайтесь с клиентом после цикла.",
        "The client closed the connection but the server's loop did not stop: recv() "
        "returns b'' again and again, the thread spins (the server burns 100% CPU) and no "
        "leave notice is sent. Check it: if not data: break, and say goodbye after the loop.",
    ),
    "empty-recv",
)
LEAVER_KEPT = Hint(
    Text(
        "После ухода участника сообщения перестали доходить до других: ушедшее соединение "
        "осталось в списке клиентов, отправка в него падает, а except убирает не того "
        "(отправителя) или обрывает рассылку. Убирайте из списка того, кто ушёл (при b'' "
        "и при ошибке recv), а при ошибке отправки — того, кому не удалось отправить.",
        "After a user left, messages stopped reaching the others: the closed connection "
        "stayed in the client list, sending to it fails, and the except removes the wrong "
        "client (the sender) or stops the broadcast. Remove whoever left (on b'' and on a "
        "recv error), and on a failed send remove the client you could not send to.",
    ),
    "leaver-kept",
)
REQUIRED_MODULES = Hint(
    Text(
        "Задание требует сокеты (socket) и поток на каждого клиента (threading).",
        "The assignment asks for sockets (socket) and a thread per client (threading).",
    ),
    "requirements",
)

# The TCP chat's words for the scenarios of checks/chat.py (see checks/transports.py).
TCP_CHAT = ChatHints(
    delivery=DeliveryHints(NO_BROADCAST, NO_SENDER_NAME, ECHO_ONLY),
    nothing_to_others=NOTHING_TO_OTHERS,
    no_join_notice=NO_JOIN_NOTICE,
    no_leave_notice=NO_LEAVE_NOTICE,
    not_utf8=NOT_UTF8,
    many_clients=MANY_CLIENTS,
    many_clients_unread=MANY_CLIENTS,
    client_no_name=CLIENT_NO_NAME,
    client_no_send=CLIENT_NO_SEND,
    client_no_receiver=CLIENT_NO_RECEIVER,
    client_no_exit=CLIENT_NO_EXIT,
)

# --- what the wire shows, read right (issue 16) -----------------------------------------
NAME_NOT_READ = Hint(
    Text(
        "Имя пришло остальным только внутри строки, которую сервер переслал как сообщение, "
        "подписав адресом соединения («('127.0.0.1', 35980): bob»): сервер не читает имя "
        "вообще. Первая строка клиента — его имя: прочитайте её отдельно, запомните "
        "(clients[conn] = name), разошлите остальным «bob вошёл в чат» и подписывайте "
        "сообщения именем, а не адресом.",
        "The name reached the others only inside a line the server relayed as a message, "
        "signed with the connection's address (\"('127.0.0.1', 35980): bob\"): the server "
        "never reads a name. A client's first line is its name: read it on its own, keep it "
        "(clients[conn] = name), tell the others 'bob joined' and sign messages with the "
        "name, not the address.",
    ),
    "join-leave-notices",
)


def nickname_bytes_hint(shown: str) -> Hint:
    """The name arrived as a bytes repr (`shown`, e.g. "b'bob\\n'"): put in an f-string
    undecoded."""
    return Hint(
        Text(
            f"Имя приходит остальным как {shown}: в f-строку попали байты, как их вернул "
            "recv(), с кавычками и \\n. Декодируйте и обрежьте имя: name = "
            "conn.recv(1024).decode().strip().",
            f"The name reaches the others as {shown}: the f-string got the bytes recv() "
            "returned, quotes and \\n included. Decode and strip it: name = "
            "conn.recv(1024).decode().strip().",
        ),
        "strip-nickname",
    )


def text_rewritten_hint(sent: str, came: str) -> Hint:
    """The message arrived with the sender's name, but its text changed (`sent` → `came`)."""
    return Hint(
        Text(
            f"Сообщение дошло с именем автора, но текст изменён: отправили «{sent}», пришло "
            f"«{came}». Сервер переделывает сам текст (например, replace(' ', ': ') ставит "
            "«: » вместо каждого пробела, а не только после имени). Добавляйте имя спереди: "
            'f"{name}: {text}", текст не трогайте.',
            f"The message arrived with the sender's name, but its text changed: sent "
            f"'{sent}', got '{came}'. The server rewrites the text itself (e.g. "
            "replace(' ', ': ') puts ': ' for every space, not only after the name). Put the "
            'name in front, f"{name}: {text}", and leave the text alone.',
        ),
        "text-rewritten",
    )


NO_LINE_ENDING = Hint(
    Text(
        "Сервер отправляет уведомления и сообщения без \\n в конце, и они слипаются: "
        "«…carol вошла в чатalice: привет». Клиент (и клиент курса) не может понять, где "
        'кончается одно и начинается другое. Заканчивайте каждую строку: f"{name}: '
        '{text}\\n".',
        "The server sends notices and messages without a \\n at the end, so they run "
        "together: '…carol joined the chatalice: hi'. A client (the course's too) cannot "
        'tell where one ends and the next begins. End every line: f"{name}: {text}\\n".',
    ),
    "no-line-ending",
)


def client_prefix_hint(sent: str) -> Hint:
    """The client put its own prefix before the typed line (`sent` is what it sent)."""
    return Hint(
        Text(
            f"Клиент отправляет не набранную строку, а «{sent}»: он сам дописывает к ней "
            "подпись (имя, время). По протоколу курса имя к сообщению добавляет сервер: с "
            "таким сервером остальные увидят подпись дважды («alice: [12:05] alice: …»). "
            "Отправляйте строку, как её набрали: "
            'sock.sendall((line + "\\n").encode()).',
            f"The client does not send the typed line but '{sent}': it adds its own prefix "
            "(a name, a time). In the course's protocol the server adds the name: with such a "
            "server the others see it twice ('alice: [12:05] alice: …'). Send the line as "
            "typed: "
            'sock.sendall((line + "\\n").encode()).',
        ),
        "client",
    )


CLIENT_RECV_RACE = Hint(
    Text(
        "Два потока клиента читают один сокет: поток-получатель и recv() главного потока "
        "(например, ждущий приглашения сервера). Данные достаются тому, кого ядро разбудит "
        "первым; если приглашение забрал поток-получатель, главный поток ждёт вечно и имя "
        "не отправляется. Читайте сокет только в потоке-получателе; главный поток пусть "
        "только отправляет.",
        "Two threads of the client read one socket: the receiving thread and a recv() in "
        "the main thread (say, waiting for the server's prompt). The data goes to whichever "
        "the kernel wakes first; when the receiving thread takes the prompt, the main thread "
        "waits forever and the name is never sent. Read the socket in the receiving thread "
        "only; let the main thread only send.",
    ),
    "client-receiving-thread",
)
